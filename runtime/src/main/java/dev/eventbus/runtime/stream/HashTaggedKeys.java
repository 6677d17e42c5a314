package dev.eventbus.runtime.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The key names on a Redis Cluster, where a script may touch keys of one hash slot only: every key
 * of a subscription carries its stream's hash tag {@code T}, so it lives in the stream's slot.
 * {@code T} is the stream's own tag when it has one (the text between its first {@code {} and the
 * next {@code }}, when not empty), else the whole stream name: {@code eventbus:retry:{T}:<group>:<stream>},
 * {@code eventbus:retry-first:{T}:<group>:<stream>}, and one dead-letter stream per handler and tag,
 * {@code <dead-letter-prefix>{T}:<handler>}, so a dead letter is written and its original
 * acknowledged in one atomic script.
 *
 * <p>A stream whose name holds a brace that is not a tag ({@code a{}b}, {@code a}b}) is refused:
 * the tag built from its whole name would hash elsewhere.
 *
 * @param deadLetterPrefix {@code eventbus.consumer.dead-letter-prefix}
 */
public record HashTaggedKeys(String deadLetterPrefix) implements KeyLayout {

    @Override
    public String retryDue(String group, String stream) {
        return SingleNodeKeys.RETRY + tagged(stream) + ":" + group + ":" + stream;
    }

    @Override
    public String firstFailures(String group, String stream) {
        return SingleNodeKeys.RETRY_FIRST + tagged(stream) + ":" + group + ":" + stream;
    }

    @Override
    public String deadLetters(String handler, String stream) {
        return deadLetterPrefix + tagged(stream) + ":" + handler;
    }

    @Override
    public String deadLetterStreamsOf(String handler) {
        return deadLetterPrefix + "{*}:" + handler;
    }

    /**
     * The streams {@code <prefix>{T}:<handler>} for every tag {@code T}, sorted, then the one-node
     * stream {@code <prefix><handler>} when it exists: one SCAN whose pattern matches both.
     */
    @Override
    public List<String> deadLetterStreams(String handler, Function<String, List<String>> scan) {
        String suffix = "}:" + handler;
        String oneNode = oneNodeDeadLetters(handler);
        List<String> found = scan.apply(globEscaped(deadLetterPrefix) + "*" + globEscaped(handler));
        List<String> streams = new ArrayList<>(found.stream()
                .filter(key -> key.startsWith(deadLetterPrefix + "{") && key.endsWith(suffix))
                .filter(key -> key.indexOf('}', deadLetterPrefix.length()) == key.length() - suffix.length())
                .sorted()
                .toList());
        if (found.contains(oneNode)) {
            streams.add(oneNode);
        }
        return streams;
    }

    /**
     * Where one node keeps the handler's dead letters ({@link SingleNodeKeys}): the runtime on a
     * cluster writes none there, but a deployment moved from one node (its keys imported with
     * {@code redis-cli --cluster import}) left its dead letters there, which the operators list,
     * count, show, redrive and discard with the others.
     */
    @Override
    public String oneNodeDeadLetters(String handler) {
        return new SingleNodeKeys(deadLetterPrefix).deadLetterStreamsOf(handler);
    }

    /** A SCAN MATCH pattern that matches the text itself: {@code * ? [ ] \} escaped. */
    static String globEscaped(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if ("*?[]\\".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    @Override
    public String refusal(String stream) {
        if (tagOf(stream) == null && (stream.indexOf('{') >= 0 || stream.indexOf('}') >= 0)) {
            return "stream '" + stream + "' holds a brace that is not a hash tag ({tag} with text inside): "
                    + "on a Redis Cluster its keys could not share its hash slot; rename it, or give it a tag";
        }
        return null;
    }

    /** The stream's hash tag in braces. */
    private String tagged(String stream) {
        String refusal = refusal(stream);
        if (refusal != null) {
            throw new IllegalArgumentException(refusal);
        }
        String tag = tagOf(stream);
        return "{" + (tag == null ? stream : tag) + "}";
    }

    /** The text Redis Cluster hashes for a key with a tag, or {@code null} when the whole key is hashed. */
    static String tagOf(String key) {
        int open = key.indexOf('{');
        if (open < 0) {
            return null;
        }
        int close = key.indexOf('}', open + 1);
        return close > open + 1 ? key.substring(open + 1, close) : null;
    }
}
