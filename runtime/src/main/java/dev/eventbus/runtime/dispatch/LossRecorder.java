package dev.eventbus.runtime.dispatch;

import dev.eventbus.runtime.failure.DeadLetter;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;

/**
 * For entries that leave without an outcome (not started, or failed while their plugin or the
 * runtime stopped): they stay pending and are handled later; unless Redis dropped them from the
 * pending list while they were held here (see {@link Delivery#droppedFromPending}): then nothing
 * can bring them back, and their loss is recorded.
 *
 * <p>Thread-safe.
 */
final class LossRecorder {

    static final String DROPPED_DETAIL = "entry was deleted or trimmed from the stream while it was held here, "
            + "and left without being handled: it cannot be retried";

    private final DeadLetterSink deadLetters;
    private final DeliveryObserver observer;

    LossRecorder(DeadLetterSink deadLetters) {
        this(deadLetters, DeliveryObserver.NONE);
    }

    /** @param observer told of each delivery that leaves without an outcome, so every attempt is accounted for */
    LossRecorder(DeadLetterSink deadLetters, DeliveryObserver observer) {
        this.deadLetters = deadLetters;
        this.observer = observer;
    }

    /** The entry leaves without an outcome: it stays pending, or its loss is recorded. */
    void leave(Subscription sub, StreamEntry entry, Delivery delivery, Throwable failure, Resolution leaves) {
        if (delivery.droppedFromPending()) {
            recordDropped(sub, entry, entry.deliveries(), failure, leaves);
        } else {
            observer.leftPending(sub, entry, failure);
            leaves.done(false);
        }
    }

    /**
     * Records the loss of an entry deleted from the stream while it was held here, which then
     * left without being handled. Redis dropped it from the pending list when its claim was
     * renewed, so no retry, reclaim or other instance can see it any more: this is the only path
     * that knows, and it records unconditionally (as for {@code VANISHED}), with the fields it
     * still holds.
     */
    void recordDropped(Subscription sub, StreamEntry entry, int attempts, Throwable failure, Resolution leaves) {
        StreamEntry gone = new StreamEntry(
                entry.stream(), entry.id(), entry.fields(), entry.deliveries(), StreamEntry.Origin.VANISHED);
        deadLetters.deadLetter(
                sub, DeadLetter.of(sub, gone, DeadLetterReason.TRIMMED, attempts, failure, DROPPED_DETAIL), leaves);
    }
}
