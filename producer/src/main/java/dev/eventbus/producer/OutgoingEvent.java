package dev.eventbus.producer;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One event as a producer writes it: {@code type}, optionally {@code subject} and {@code data},
 * and further fields (CloudEvents attributes such as {@code id}, {@code source}, {@code time},
 * {@code datacontenttype}, {@code traceparent}, or headers for the handler). Immutable.
 *
 * @param subject the entity the event is about, the ordering and partitioning key; null for none
 * @param data the payload, or null for none
 * @param fields further fields, in the order written
 */
public record OutgoingEvent(String type, String subject, byte[] data, Map<String, String> fields) {

    private static final Set<String> OWN_FIELDS = Set.of(EventFields.TYPE, EventFields.SUBJECT, EventFields.DATA);

    public OutgoingEvent {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("an event needs a type");
        }
        for (Map.Entry<String, String> field : fields.entrySet()) {
            String name = field.getKey();
            if (name == null || field.getValue() == null) {
                throw new IllegalArgumentException("field '" + name + "': names and values may not be null");
            }
            if (OWN_FIELDS.contains(name)) {
                throw new IllegalArgumentException("field '" + name + "' has its own parameter");
            }
            if (name.startsWith(EventFields.RESERVED_PREFIX)) {
                throw new IllegalArgumentException("field '" + name + "': names starting with '"
                        + EventFields.RESERVED_PREFIX + "' belong to the runtime");
            }
        }
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields)); // Map.copyOf would lose the order
        data = data == null ? null : data.clone();
    }

    /** An event of this type, with no subject, data or further fields. */
    public static OutgoingEvent of(String type) {
        return new OutgoingEvent(type, null, null, Map.of());
    }

    public OutgoingEvent subject(String subject) {
        return new OutgoingEvent(type, subject, data, fields);
    }

    public OutgoingEvent data(byte[] data) {
        return new OutgoingEvent(type, subject, data, fields);
    }

    /** The payload as UTF-8 text (e.g. JSON). */
    public OutgoingEvent data(String text) {
        return data(text.getBytes(StandardCharsets.UTF_8));
    }

    /** With one further field (e.g. {@code id}, {@code source}, a header); a later value for a name replaces it. */
    public OutgoingEvent field(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(fields);
        more.put(name, value);
        return new OutgoingEvent(type, subject, data, more);
    }

    @Override
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    /** The stream entry's fields as the runtime reads them: type, subject, the further fields, data. */
    public Map<byte[], byte[]> toEntryFields() {
        Map<byte[], byte[]> entry = new LinkedHashMap<>();
        entry.put(utf8(EventFields.TYPE), utf8(type));
        if (subject != null) {
            entry.put(utf8(EventFields.SUBJECT), utf8(subject));
        }
        fields.forEach((name, value) -> entry.put(utf8(name), utf8(value)));
        if (data != null) {
            entry.put(utf8(EventFields.DATA), data.clone());
        }
        return entry;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
