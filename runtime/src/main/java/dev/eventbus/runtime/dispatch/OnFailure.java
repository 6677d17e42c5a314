package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.failure.FailureHandler;
import dev.eventbus.runtime.failure.HandlerTimeoutException;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;

/**
 * The step after a handler failed: a failure after the timeout's interrupt counts as a timeout,
 * the observer is told, and the {@link FailureHandler} decides (retry later, or dead letter: the
 * retry and poison-queue steps). An entry Redis dropped from the pending list meanwhile cannot be
 * retried: its loss is recorded instead.
 *
 * <p>Thread-safe.
 */
final class OnFailure {

    private final FailureHandler failures;
    private final LossRecorder losses;
    private final DeliveryObserver observer;

    OnFailure(FailureHandler failures, LossRecorder losses, DeliveryObserver observer) {
        this.failures = failures;
        this.losses = losses;
        this.observer = observer;
    }

    /** The worker's handler call failed. */
    void failed(
            Subscription sub,
            StreamEntry entry,
            Event event,
            HandlerSettings limits,
            Delivery delivery,
            Throwable failure,
            Resolution leaves) {
        if (delivery.wasInterrupted() && !(failure instanceof HandlerTimeoutException)) {
            failure = new HandlerTimeoutException(limits.timeout(), false, failure);
        }
        settle(sub, entry, event, delivery, failure, leaves);
    }

    /** The watchdog abandoned the worker: the entry fails as a timeout now. */
    void abandoned(
            Subscription sub,
            StreamEntry entry,
            Event event,
            HandlerSettings limits,
            Delivery delivery,
            Resolution settles) {
        settle(sub, entry, event, delivery, new HandlerTimeoutException(limits.timeout(), true, null), settles);
    }

    private void settle(
            Subscription sub, StreamEntry entry, Event event, Delivery delivery, Throwable failure, Resolution leaves) {
        observer.failed(sub, event, failure);
        if (delivery.droppedFromPending()) {
            losses.recordDropped(sub, entry, event.attempt(), failure, leaves);
            return;
        }
        failures.onFailure(sub, entry, event, failure, leaves);
    }
}
