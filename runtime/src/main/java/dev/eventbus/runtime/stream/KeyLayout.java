package dev.eventbus.runtime.stream;

import dev.eventbus.runtime.config.RedisSettings;
import java.util.List;
import java.util.function.Function;

/**
 * Names the keys the runtime writes for a subscription besides its stream: the sorted set of due
 * retries, the hash of first-failure times, and the dead-letter stream its losses go to. Every
 * class that reads or writes one of them asks here, so one node and a Redis Cluster differ in
 * this role alone.
 *
 * <p>Implementations are immutable and thread-safe.
 */
public interface KeyLayout {

    /** The sorted set of a subscription's entry ids, scored by when each is due for a retry. */
    String retryDue(String group, String stream);

    /** The hash of a subscription's entry ids to when each first failed. */
    String firstFailures(String group, String stream);

    /** The stream that holds the dead letters of a handler's entries from {@code stream}. */
    String deadLetters(String handler, String stream);

    /** The layout for the Redis the settings name. */
    static KeyLayout of(RedisSettings redis, String deadLetterPrefix) {
        return redis.cluster() ? new HashTaggedKeys(deadLetterPrefix) : new SingleNodeKeys(deadLetterPrefix);
    }

    /**
     * A handler's dead-letter streams as operators read them: one stream, or a pattern naming all of
     * them (for messages; see {@link #deadLetterStreams}).
     */
    String deadLetterStreamsOf(String handler);

    /**
     * Every dead-letter stream of a handler.
     *
     * @param scan the stream keys matching a SCAN pattern, on every primary; asked only when a handler
     *     may have several
     */
    List<String> deadLetterStreams(String handler, Function<String, List<String>> scan);

    /**
     * The dead-letter stream of a handler under another layout that the operators still read as
     * one of its own, though the runtime never writes there: on a Redis Cluster, the one-node
     * stream {@code <dead-letter-prefix><handler>}, which a deployment moved from one node (its keys
     * imported) brings along. {@code null} when there is none.
     */
    default String oneNodeDeadLetters(String handler) {
        return null;
    }

    /**
     * Whether the runtime can keep its promises on {@code stream} with this layout; a message saying
     * why not, else {@code null}.
     */
    default String refusal(String stream) {
        return null;
    }
}
