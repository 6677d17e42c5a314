package dev.eventbus.runtime.it;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.Subscription;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

/**
 * What an ordering oracle sees: every handler call of every runtime instance it observes, with the
 * event's {@code seq} header and when the call started and ended. Thread-safe.
 */
final class HandlerCalls {

    /** One handler call, as the oracle saw it. */
    record Call(String instance, String subject, int seq, String eventId, long startNanos, long endNanos) {}

    private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

    /** The observer to start the runtime of {@code instance} with. */
    DeliveryObserver observer(String instance) {
        return new DeliveryObserver() {
            @Override
            public void handled(Subscription subscription, Event event, long nanos) {
                long end = System.nanoTime();
                calls.add(new Call(
                        instance,
                        event.subject(),
                        Integer.parseInt(event.header("seq").orElseThrow()),
                        event.id(),
                        end - nanos,
                        end));
            }
        };
    }

    Stream<Call> stream() {
        return calls.stream();
    }

    /** The calls so far, a copy. */
    List<Call> all() {
        return List.copyOf(calls);
    }
}
