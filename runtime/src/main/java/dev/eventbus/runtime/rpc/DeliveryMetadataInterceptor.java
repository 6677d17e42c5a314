package dev.eventbus.runtime.rpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Stamps every call made for one delivery: a deadline (unless the handler set a shorter one) and
 * the metadata that lets the receiver deduplicate and trace ({@code idempotency-key},
 * {@code eventbus-event-id}, {@code eventbus-attempt}, {@code traceparent}).
 *
 * <p>Immutable and thread-safe; one instance per delivery.
 */
public final class DeliveryMetadataInterceptor implements ClientInterceptor {

    public static final Metadata.Key<String> IDEMPOTENCY_KEY =
            Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> EVENT_ID =
            Metadata.Key.of("eventbus-event-id", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> ATTEMPT =
            Metadata.Key.of("eventbus-attempt", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> TRACEPARENT =
            Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

    private final String idempotencyKey;
    private final String eventId;
    private final int attempt;
    private final String traceparent;
    private final Duration deadline;

    public DeliveryMetadataInterceptor(
            String idempotencyKey, String eventId, int attempt, String traceparent, Duration deadline) {
        this.idempotencyKey = idempotencyKey;
        this.eventId = eventId;
        this.attempt = attempt;
        this.traceparent = traceparent;
        this.deadline = deadline;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
        Deadline ours = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
        Deadline theirs = callOptions.getDeadline();
        CallOptions options = theirs == null || ours.isBefore(theirs) ? callOptions.withDeadline(ours) : callOptions;
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                headers.put(IDEMPOTENCY_KEY, ascii(idempotencyKey));
                headers.put(EVENT_ID, ascii(eventId));
                headers.put(ATTEMPT, Integer.toString(attempt));
                if (traceparent != null) {
                    headers.put(TRACEPARENT, ascii(traceparent));
                }
                super.start(listener, headers);
            }
        };
    }

    /** Metadata values must be printable ASCII; producers' ids might not be. */
    private static String ascii(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            sb.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        return sb.toString();
    }
}
