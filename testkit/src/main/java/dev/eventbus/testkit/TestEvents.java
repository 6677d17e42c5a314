package dev.eventbus.testkit;

import dev.eventbus.api.Event;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds {@link Event}s for handler tests.
 *
 * <pre>{@code
 * Event e = TestEvents.event("wallet.topup.succeeded").stream("wallet").subject("order-42")
 *     .data("{\"amount\":100}").build();
 * }</pre>
 *
 * <p>Defaults: stream {@code test}, entry id {@code 1-0}, id = the entry id, attempt 1, empty data,
 * no optional attributes, no headers.
 */
public final class TestEvents {

    private TestEvents() {}

    /**
     * @param type the event type
     * @return a builder with the defaults
     */
    public static Builder event(String type) {
        return new Builder(type);
    }

    /** Mutable and not thread-safe; {@link #build()} may be called repeatedly. */
    public static final class Builder {

        private final String type;
        private String stream = "test";
        private String entryId = "1-0";
        private String id;
        private int attempt = 1;
        private String subject;
        private String source;
        private String time;
        private String dataContentType;
        private String traceparent;
        private byte[] data = new byte[0];
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder(String type) {
            this.type = Objects.requireNonNull(type, "type");
        }

        public Builder stream(String stream) {
            this.stream = stream;
            return this;
        }

        public Builder entryId(String entryId) {
            this.entryId = entryId;
            return this;
        }

        /** @param id the producer's event id; default: the entry id */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** @param attempt the delivery attempt, from 1 */
        public Builder attempt(int attempt) {
            this.attempt = attempt;
            return this;
        }

        public Builder subject(String subject) {
            this.subject = subject;
            return this;
        }

        public Builder source(String source) {
            this.source = source;
            return this;
        }

        public Builder time(String time) {
            this.time = time;
            return this;
        }

        public Builder dataContentType(String dataContentType) {
            this.dataContentType = dataContentType;
            return this;
        }

        public Builder traceparent(String traceparent) {
            this.traceparent = traceparent;
            return this;
        }

        /** @param data the payload as UTF-8 text */
        public Builder data(String data) {
            return data(data.getBytes(StandardCharsets.UTF_8));
        }

        public Builder data(byte[] data) {
            this.data = data.clone();
            return this;
        }

        /** @param name a field outside the known attributes, for example {@code eventbus-replay} */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** @return a new event; its data array is a copy */
        public Event build() {
            return new Event(
                    stream,
                    entryId,
                    attempt,
                    id == null ? entryId : id,
                    type,
                    subject,
                    source,
                    time,
                    dataContentType,
                    traceparent,
                    data.clone(),
                    headers);
        }
    }
}
