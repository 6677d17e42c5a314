package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.RedisSettings;
import io.lettuce.core.codec.RedisCodec;
import java.util.Optional;

/**
 * Owns a Lettuce client and opens connections with it, one attempt each. {@link RedisConnector}
 * retries for the runtime; the operator tools ask once and fail fast.
 *
 * <p>Thread-safe.
 */
public interface ConnectionOpener extends AutoCloseable {

    /** The opener for the Redis the settings name: one node, one found through Sentinel, or a cluster. */
    static ConnectionOpener of(RedisSettings settings) {
        return of(settings, new TopologyChanges());
    }

    /**
     * As {@link #of(RedisSettings)}, telling {@code changes} (the runtime's, shared by its clients):
     * the client the stream readers read through.
     */
    static ConnectionOpener of(RedisSettings settings, TopologyChanges changes) {
        return of(settings, changes, true);
    }

    /**
     * @param readersClient whether the stream readers and the runtime's loops read through this
     *     client: only its new topologies wake them (a new topology another client saw first only
     *     has this one refresh: read through a view that is not new yet, a read went to the frozen
     *     node it left and waited out its timeout, found from outside)
     */
    static ConnectionOpener of(RedisSettings settings, TopologyChanges changes, boolean readersClient) {
        return settings.cluster()
                ? new ClusterConnectionOpener(settings, changes, readersClient)
                : new NodeConnectionOpener(settings, changes, readersClient);
    }

    /** One attempt; Lettuce's exception when it fails. */
    <K, V> RedisConnection<K, V> open(RedisCodec<K, V> codec);

    /**
     * The node a key lives on now, as this client's view has it: on a cluster the primary of the
     * key's slot, on Sentinel the primary the sentinels named to the latest connection; empty on
     * one node (its URI says where) and before a connection was made.
     */
    default Optional<StreamNode> nodeOf(String key) {
        return Optional.empty();
    }

    /**
     * Why this client's connections fail to reconnect, when the latest attempt failed and none was
     * made since (see {@link ReconnectFailures}): a command meanwhile is only told "Currently not
     * connected".
     */
    default Optional<Throwable> reconnectFailure() {
        return Optional.empty();
    }

    /**
     * As {@link #reconnectFailure()}, of the connections to the node at {@code host:port} only (a
     * cluster's primaries each have theirs).
     */
    default Optional<Throwable> reconnectFailureOf(String address) {
        return Optional.empty();
    }

    /** With a sentinel URI, asks each of its sentinels on its own ({@link SentinelAnswers}); empty otherwise. */
    default Optional<SentinelAnswers> sentinels() {
        return Optional.empty();
    }

    /** Where this client says that its view of Redis changed (a new topology, a connection made). */
    TopologyChanges changes();

    /** Shuts the client down; connections still open are closed. */
    @Override
    void close();
}
