package dev.eventbus.testkit;

import io.grpc.Metadata;
import java.time.Duration;
import java.util.Objects;

/**
 * One call a {@link RecordingGrpcService} received, with the metadata the runtime attaches to every
 * call a handler makes (see {@code HandlerContext}).
 *
 * <p>Immutable, apart from {@link Metadata}, which is a copy of its own: do not change it.
 *
 * @param method the full method name, for example {@code orders.v1.OrderService/MarkPaid}
 * @param request the request message
 * @param headers every header the call carried
 * @param deadline the time the call had left when it arrived, or {@code null} when it had no deadline
 * @param <Q> the request type
 */
public record RecordedCall<Q>(String method, Q request, Metadata headers, Duration deadline) {

    /** The idempotency key header: the same for every delivery of one event to one handler. */
    public static final Metadata.Key<String> IDEMPOTENCY_KEY =
            Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
    /** The event id header. */
    public static final Metadata.Key<String> EVENT_ID =
            Metadata.Key.of("eventbus-event-id", Metadata.ASCII_STRING_MARSHALLER);
    /** The delivery attempt header, from 1. */
    public static final Metadata.Key<String> ATTEMPT =
            Metadata.Key.of("eventbus-attempt", Metadata.ASCII_STRING_MARSHALLER);
    /** The W3C trace context header, present when the event had one. */
    public static final Metadata.Key<String> TRACEPARENT =
            Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

    /** Checks the required components. */
    public RecordedCall {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(headers, "headers");
    }

    /** @return the {@code idempotency-key} header, {@code <handler>/<stream>/<entry-id>}, or {@code null} */
    public String idempotencyKey() {
        return headers.get(IDEMPOTENCY_KEY);
    }

    /** @return the {@code eventbus-event-id} header, or {@code null} */
    public String eventId() {
        return headers.get(EVENT_ID);
    }

    /** @return the {@code eventbus-attempt} header, or 0 when absent */
    public int attempt() {
        String value = headers.get(ATTEMPT);
        return value == null ? 0 : Integer.parseInt(value);
    }

    /** @return the {@code traceparent} header, or {@code null} */
    public String traceparent() {
        return headers.get(TRACEPARENT);
    }

    /** @return whether the call carried a deadline */
    public boolean hadDeadline() {
        return deadline != null;
    }
}
