package dev.eventbus.runtime.consumer;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.failure.DeadLetterReason;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Maps a stream entry to an {@link Event} following the wire format (DESIGN.md section 3).
 * Fields arrive as bytes; text fields are decoded strictly, so a producer's encoding bug becomes a
 * dead letter with reason {@code decode}, never a guessed value. {@code data} stays bytes.
 *
 * <p>Stateless and thread-safe.
 */
public final class EventCodec {

    private final int maxEventBytes;

    public EventCodec(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * @throws MalformedEntryException for an entry without {@code type}, over the size limit, or
     *     with text fields that are not UTF-8
     */
    public Event decode(StreamEntry entry, int attempt) throws MalformedEntryException {
        long size = entry.sizeInBytes();
        if (size > maxEventBytes) {
            throw new MalformedEntryException(DeadLetterReason.TOO_LARGE,
                    "entry is " + size + " bytes, over consumer.max-event-bytes = " + maxEventBytes);
        }
        String type = null, id = null, subject = null, source = null, time = null;
        String contentType = null, traceparent = null;
        byte[] data = new byte[0];
        Map<String, String> headers = new HashMap<>();
        for (Map.Entry<byte[], byte[]> field : entry.fields().entrySet()) {
            String name = text(field.getKey(), "a field name");
            byte[] raw = field.getValue() == null ? new byte[0] : field.getValue();
            if (name.equals("data")) {
                data = raw;
                continue;
            }
            String value = text(raw, "field '" + name + "'");
            switch (name) {
                case "type" -> type = value;
                case "id" -> id = value;
                case "subject" -> subject = value;
                case "source" -> source = value;
                case "time" -> time = value;
                case "datacontenttype" -> contentType = value;
                case "traceparent" -> traceparent = value;
                default -> headers.put(name, value);
            }
        }
        if (type == null || type.isBlank()) {
            throw new MalformedEntryException(DeadLetterReason.DECODE, "entry has no 'type' field");
        }
        return new Event(entry.stream(), entry.id(), attempt,
                id == null || id.isBlank() ? entry.id() : id,
                type, subject, source, time, contentType, traceparent, data, headers);
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] bytes, String what) throws MalformedEntryException {
        if (isAscii(bytes)) {
            return new String(bytes, StandardCharsets.US_ASCII); // the common case, without a decoder
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new MalformedEntryException(DeadLetterReason.DECODE, what + " is not valid UTF-8");
        }
    }
}
