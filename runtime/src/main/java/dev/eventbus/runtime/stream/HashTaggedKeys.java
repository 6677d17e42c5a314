package dev.eventbus.runtime.stream;

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
