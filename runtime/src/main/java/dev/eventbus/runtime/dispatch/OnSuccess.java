package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.util.function.BiConsumer;

/**
 * The step after a handler returned: the observer is told, the entry is acknowledged and its retry
 * record (if it was a retry) is cleared. The observer first: an acknowledgement is sent by another
 * thread, so told after it, an observer could miss a call whose process died in between although
 * the entry was acknowledged; told before, such a call is delivered again and so seen twice, which
 * at-least-once allows (the process tests count every call this way).
 *
 * <p>Thread-safe.
 */
final class OnSuccess {

    private final Acks acks;
    private final BiConsumer<Subscription, String> clearRetry;
    private final DeliveryObserver observer;

    /** @param clearRetry forgets the retry record of an entry id (fire and forget) */
    OnSuccess(Acks acks, BiConsumer<Subscription, String> clearRetry, DeliveryObserver observer) {
        this.acks = acks;
        this.clearRetry = clearRetry;
        this.observer = observer;
    }

    void succeeded(Subscription sub, StreamEntry entry, Event event, long elapsedNanos) {
        try {
            observer.handled(sub, event, elapsedNanos);
        } finally { // an observer that throws after all does not cost the acknowledgement
            acks.ack(entry.stream(), sub.group(), entry.id());
            if (event.attempt() > 1) {
                clearRetry.accept(sub, entry.id());
            }
        }
    }
}
