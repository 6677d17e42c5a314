package dev.eventbus.api;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One event, as read from one stream entry, for one delivery to one handler.
 *
 * <p>The attributes follow the wire format (CloudEvents 1.0 attribute names): {@code type} is
 * required; {@code id} defaults to the stream entry id; {@code data} is any bytes; every field the
 * runtime does not know is a header. Attribute and header values are UTF-8 text; the runtime
 * dead-letters an entry whose text fields are not valid UTF-8 instead of guessing.
 *
 * <p>Immutable and thread-safe, except that {@link #data()} returns the runtime's array without a
 * copy: treat it as read-only.
 *
 * @param stream the Redis stream the entry was read from
 * @param entryId the stream entry id, for example {@code 1732612345678-0}
 * @param attempt the delivery attempt, starting at 1
 * @param id the producer's event id, or the entry id when the producer gave none
 * @param type the event type, for example {@code wallet.topup.succeeded}
 * @param subject the entity the event is about (the ordering key), or {@code null}
 * @param source the producer, or {@code null}
 * @param time the producer's timestamp as written (RFC 3339 by convention), or {@code null}
 * @param dataContentType the media type of {@code data}, or {@code null}
 * @param traceparent the W3C trace context, or {@code null}
 * @param data the payload; empty when the entry had no {@code data} field
 * @param headers every other field, in no particular order
 * @since 0.1
 */
public record Event(
        String stream,
        String entryId,
        int attempt,
        String id,
        String type,
        String subject,
        String source,
        String time,
        String dataContentType,
        String traceparent,
        byte[] data,
        Map<String, String> headers) {

    /**
     * The header a replayed copy carries ({@link #isReplay()}); its value is the original entry id.
     * The runtime writes it under this name.
     */
    public static final String REPLAY_HEADER = "eventbus-replay";

    /** Checks the required components. */
    public Event {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(entryId, "entryId");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        headers = Map.copyOf(headers);
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
    }

    /**
     * The payload decoded as UTF-8, for JSON and other text payloads.
     *
     * @return the payload as text; malformed bytes become U+FFFD
     */
    public String dataAsString() {
        return new String(data, StandardCharsets.UTF_8);
    }

    /**
     * The subject, when the producer set one.
     *
     * @return the subject, or empty
     */
    public Optional<String> subjectIfPresent() {
        return Optional.ofNullable(subject);
    }

    /**
     * A header (a field outside the known attributes).
     *
     * @param name the field name
     * @return the value, or empty
     */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name));
    }

    /**
     * Whether this delivery is a replay requested by an operator (the {@code eventbus-replay}
     * header), not the first pass over the stream.
     *
     * @return {@code true} for a replay
     */
    public boolean isReplay() {
        return headers.containsKey(REPLAY_HEADER);
    }

    @Override
    public String toString() {
        // Never the payload: events reach logs, and payloads may hold personal data.
        return "Event[stream=" + stream + ", entryId=" + entryId + ", type=" + type
                + ", id=" + id + ", subject=" + subject + ", attempt=" + attempt
                + ", data=" + data.length + " bytes]";
    }
}
