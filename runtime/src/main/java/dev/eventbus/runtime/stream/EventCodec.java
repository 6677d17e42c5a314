package dev.eventbus.runtime.stream;

import dev.eventbus.api.Event;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps a stream entry to an {@link Event} following the wire format (README, "The wire format";
 * the names are in {@link WireFields}).
 * Fields arrive as bytes; text fields are decoded strictly, so a producer's encoding bug becomes a
 * dead letter with reason {@code decode}, never a guessed value. {@code data} stays bytes.
 *
 * <p>Stateless and thread-safe.
 */
public final class EventCodec {

    private static final byte[] NO_BYTES = new byte[0];

    private final int maxEventBytes;

    public EventCodec(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * @throws MalformedEntryException for an entry without {@code type}, over the size limit, or
     *     with text fields that are not UTF-8
     */
    public Event decode(StreamEntry entry, int attempt) throws MalformedEntryException {
        String type = null, id = null, subject = null, source = null, time = null;
        String contentType = null, traceparent = null;
        byte[] data = NO_BYTES;
        // Most entries carry one header or none: kept in two locals and made an immutable one-entry
        // map, which the event takes as it is, not a hash map (a table, a node and the event's copy).
        String header = null, headerValue = null;
        Map<String, String> headers = null;
        if (entry.fields() instanceof FieldList f && f.wireBytes() > maxEventBytes) {
            throw tooLarge(entry); // perhaps held only in part: the reader did not copy what did not fit
        }
        long size = 0; // summed in the same pass: a second walk over the fields costs as much again
        FieldList fields = FieldList.of(entry.fields()); // walked by index: no entry object per field
        for (int i = 0; i < fields.size(); i++) {
            byte[] name = fields.name(i);
            byte[] raw = fields.value(i) == null ? NO_BYTES : fields.value(i);
            size += name.length + raw.length;
            if (size > maxEventBytes) {
                throw tooLarge(entry);
            }
            Field known = Field.of(name);
            if (known == Field.DATA) {
                data = raw;
                continue;
            }
            if (known == null) {
                String other = text(name, null);
                String value = text(raw, other);
                if (headers != null) {
                    headers.put(other, value);
                } else if (header == null || header.equals(other)) {
                    header = other; // a repeated field: the last one wins, as in a map
                    headerValue = value;
                } else {
                    headers = new HashMap<>();
                    headers.put(header, headerValue);
                    headers.put(other, value);
                }
                continue;
            }
            String value = text(raw, known.wireName);
            switch (known) {
                case TYPE -> type = value;
                case ID -> id = value;
                case SUBJECT -> subject = value;
                case SOURCE -> source = value;
                case TIME -> time = value;
                case CONTENT_TYPE -> contentType = value;
                case TRACEPARENT -> traceparent = value;
                case DATA -> throw new AssertionError();
            }
        }
        if (type == null || type.isBlank()) {
            throw new MalformedEntryException(
                    DeadLetterReason.DECODE,
                    type == null
                            ? "entry has no 'type' field"
                            : type.isEmpty() ? "entry's 'type' field is empty" : "entry's 'type' field is blank");
        }
        return new Event(
                entry.stream(),
                entry.id(),
                attempt,
                id == null || id.isBlank() ? entry.id() : id,
                type,
                subject,
                source,
                time,
                contentType,
                traceparent,
                data,
                headers != null ? headers : header != null ? Map.of(header, headerValue) : Map.of());
    }

    private MalformedEntryException tooLarge(StreamEntry entry) {
        return new MalformedEntryException(
                DeadLetterReason.TOO_LARGE,
                "entry is " + entry.sizeInBytes()
                        + " bytes, over consumer.max-event-bytes = " + maxEventBytes
                        + (entry.fields() instanceof FieldList f && f.truncated()
                                ? "; the dead letter keeps only the fields that fit (" + f.size() + " of them)"
                                : ""));
    }

    /**
     * The entry's {@code subject} as {@link #decode} gives it when the entry decodes, without
     * decoding the rest: the reader of an ordered subscription needs only this, in stream order,
     * and leaves the rest to the worker. An entry that does not decode still goes through the lane
     * of this subject, where it is dead-lettered.
     *
     * @return the subject, or null when the entry has none or it is not valid UTF-8 (decoding
     *     the entry then fails on the worker, where it is dead-lettered)
     */
    public String subjectOf(StreamEntry entry) {
        byte[] subject = null;
        FieldList fields = FieldList.of(entry.fields());
        for (int i = 0; i < fields.size(); i++) {
            if (Arrays.equals(Field.SUBJECT.bytes, fields.name(i))) {
                subject = fields.value(i) == null ? NO_BYTES : fields.value(i); // the last one wins, as in decode
            }
        }
        if (subject == null) {
            return null;
        }
        try {
            return text(subject, Field.SUBJECT.wireName);
        } catch (MalformedEntryException e) {
            return null;
        }
    }

    /**
     * The handler an entry is meant for alone ({@code eventbus-target-handler}: a redriven dead
     * letter or a replay), read without decoding the entry: the other handlers of the stream skip
     * it even when it does not decode, so a malformed entry replayed for one handler is not
     * dead-lettered again by every other one.
     *
     * @return the target handler, or null when the entry names none (or not as UTF-8)
     */
    public String targetOf(StreamEntry entry) {
        byte[] target = null;
        FieldList fields = FieldList.of(entry.fields());
        for (int i = 0; i < fields.size(); i++) {
            if (Arrays.equals(TARGET_HANDLER, fields.name(i))) {
                target = fields.value(i) == null ? NO_BYTES : fields.value(i);
            }
        }
        if (target == null) {
            return null;
        }
        try {
            return text(target, WireFields.TARGET_HANDLER);
        } catch (MalformedEntryException e) {
            return null;
        }
    }

    private static final byte[] TARGET_HANDLER = WireFields.TARGET_HANDLER.getBytes(StandardCharsets.UTF_8);

    /**
     * The name of a wire-format field as one array shared by every entry, or null when {@code name}
     * is none of them. A reader keeps this instead of a copy: the known names are most of an
     * entry's fields, and {@link #decode}'s match of such a name ends at the identity check.
     * Shared arrays, so never to be changed (no {@link FieldList} array is), and never keys of a
     * map (arrays go by identity: a repeated field would replace the first).
     *
     * @param name the name as read, from its position to its limit (neither is moved)
     */
    public static byte[] knownFieldName(ByteBuffer name) {
        int length = name.remaining();
        int at = name.position();
        for (Field f : Field.ALL) {
            if (f.bytes.length == length && sameBytes(name, at, f.bytes)) {
                return f.bytes;
            }
        }
        return null;
    }

    private static boolean sameBytes(ByteBuffer buffer, int at, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (buffer.get(at + i) != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** The fields of the wire format, matched as bytes: no string is made for a known field name. */
    private enum Field {
        DATA(WireFields.DATA),
        TYPE(WireFields.TYPE),
        ID(WireFields.ID),
        SUBJECT(WireFields.SUBJECT),
        SOURCE(WireFields.SOURCE),
        TIME(WireFields.TIME),
        CONTENT_TYPE(WireFields.CONTENT_TYPE),
        TRACEPARENT(WireFields.TRACEPARENT);

        private static final Field[] ALL = values();

        final String wireName;
        final byte[] bytes;

        Field(String wireName) {
            this.wireName = wireName;
            this.bytes = wireName.getBytes(StandardCharsets.US_ASCII);
        }

        static Field of(byte[] name) {
            for (Field f : ALL) {
                if (Arrays.equals(f.bytes, name)) {
                    return f;
                }
            }
            return null;
        }
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** @param field the field whose value this is, or null for a field name (only for the error) */
    private static String text(byte[] bytes, String field) throws MalformedEntryException {
        if (isAscii(bytes)) {
            // The common case, without a decoder; ISO-8859-1 copies the bytes without checking them
            // again (they are ASCII, so the text is the same).
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedEntryException(
                    DeadLetterReason.DECODE,
                    (field == null ? "a field name" : "field '" + field + "'") + " is not valid UTF-8");
        }
    }
}
