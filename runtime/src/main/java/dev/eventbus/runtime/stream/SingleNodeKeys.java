package dev.eventbus.runtime.stream;

import java.util.List;
import java.util.function.Function;

/**
 * The key names on one Redis node (plain or behind Sentinel): {@code eventbus:retry:<group>:<stream>},
 * {@code eventbus:retry-first:<group>:<stream>}, and one dead-letter stream per handler,
 * {@code <dead-letter-prefix><handler>}, whatever stream its entries came from. Every script may
 * touch any key on one node, so nothing ties them together.
 *
 * @param deadLetterPrefix {@code eventbus.consumer.dead-letter-prefix}
 */
public record SingleNodeKeys(String deadLetterPrefix) implements KeyLayout {

    static final String RETRY = "eventbus:retry:";
    static final String RETRY_FIRST = "eventbus:retry-first:";

    @Override
    public String retryDue(String group, String stream) {
        return RETRY + group + ":" + stream;
    }

    @Override
    public String firstFailures(String group, String stream) {
        return RETRY_FIRST + group + ":" + stream;
    }

    @Override
    public String deadLetters(String handler, String stream) {
        return deadLetterPrefix + handler;
    }

    @Override
    public String deadLetterStreamsOf(String handler) {
        return deadLetters(handler, null);
    }

    /** The one stream, whether it exists or not: no SCAN. */
    @Override
    public List<String> deadLetterStreams(String handler, Function<String, List<String>> scan) {
        return List.of(deadLetterStreamsOf(handler));
    }
}
