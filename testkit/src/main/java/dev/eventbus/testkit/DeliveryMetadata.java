package dev.eventbus.testkit;

import dev.eventbus.api.Event;
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
 * What the runtime stamps on every call made for one delivery, reproduced for unit tests: a
 * deadline (unless the caller set a shorter one) and the {@code idempotency-key},
 * {@code eventbus-event-id}, {@code eventbus-attempt} and {@code traceparent} headers. The key is
 * the runtime's, {@code <handler>/<stream>/<entry-id>}; the runtime's own tests check that both agree.
 *
 * <p>Immutable; one instance per delivery.
 */
final class DeliveryMetadata implements ClientInterceptor {

    private final String idempotencyKey;
    private final Event event;
    private final Duration deadline;

    DeliveryMetadata(String handler, Event event, Duration deadline) {
        this.idempotencyKey = idempotencyKey(handler, event);
        this.event = event;
        this.deadline = deadline;
    }

    /**
     * @param handler the handler's name (its consumer group)
     * @param event the event delivered
     * @return the key the runtime sends with every call for this event and handler, whatever the attempt
     */
    static String idempotencyKey(String handler, Event event) {
        return handler + "/" + event.stream() + "/" + event.entryId();
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Deadline ours = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
        Deadline theirs = options.getDeadline();
        CallOptions stamped = theirs == null || ours.isBefore(theirs) ? options.withDeadline(ours) : options;
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, stamped)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                headers.put(RecordedCall.IDEMPOTENCY_KEY, ascii(idempotencyKey));
                headers.put(RecordedCall.EVENT_ID, ascii(event.id()));
                headers.put(RecordedCall.ATTEMPT, Integer.toString(event.attempt()));
                if (event.traceparent() != null) {
                    headers.put(RecordedCall.TRACEPARENT, ascii(event.traceparent()));
                }
                super.start(listener, headers);
            }
        };
    }

    /** Metadata values must be printable ASCII, as in the runtime. */
    private static String ascii(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            sb.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        return sb.toString();
    }
}
