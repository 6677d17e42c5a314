package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.stream.WireFields;
import java.util.LinkedHashMap;
import java.util.Map;

/** Publishes one event in the wire format, as a producer would. */
public final class Publisher {

    private final FailFastRedis redis;

    public Publisher(FailFastRedis redis) {
        this.redis = redis;
    }

    /**
     * @param headers further fields (CloudEvents attributes such as {@code id}, {@code source},
     *     {@code datacontenttype}, or headers for the handler)
     * @param data the payload, or {@code null} for none
     * @return the new entry's id
     */
    public String publish(String stream, String type, String subject, byte[] data, Map<String, String> headers) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        fields.put(DeadLetters.utf8(WireFields.TYPE), DeadLetters.utf8(type));
        if (subject != null) {
            fields.put(DeadLetters.utf8(WireFields.SUBJECT), DeadLetters.utf8(subject));
        }
        headers.forEach((k, v) -> fields.put(DeadLetters.utf8(k), DeadLetters.utf8(v)));
        if (data != null) {
            fields.put(DeadLetters.utf8(WireFields.DATA), data);
        }
        return redis.bytes().xadd(DeadLetters.utf8(stream), fields);
    }
}
