package dev.eventbus.runtime.stream;

import dev.eventbus.api.Event;

/**
 * Sees every outcome of every delivery: metrics, the dev-mode printout and tests subscribe here.
 * Called on worker threads; implementations must be thread-safe and quick, and must not throw.
 */
public interface DeliveryObserver {

    DeliveryObserver NONE = new DeliveryObserver() {};

    /**
     * The handler returned; the acknowledgement is queued right after this returns, so every
     * acknowledged call was seen here first (a process that dies in between delivers it again).
     */
    default void handled(Subscription subscription, Event event, long nanos) {}

    /** The handler failed; the failure handler decides what happens next. */
    default void failed(Subscription subscription, Event event, Throwable error) {}

    /** The failed entry will be tried again after {@code delay} (recorded in Redis). */
    default void retryScheduled(Subscription subscription, StreamEntry entry, java.time.Duration delay) {}

    /** The entry went to the handler's dead-letter stream (written and acknowledged). */
    default void deadLettered(Subscription subscription, StreamEntry entry, DeadLetterReason reason) {}

    /**
     * The delivery ended without an outcome: its plugin was unloaded (a reload) or the shutdown
     * grace ended, before the handler ran or while it ran ({@code interrupted}, or null when it had
     * not started). The entry stays pending; the next version, or the next start, delivers it again
     * as the next attempt.
     */
    default void leftPending(Subscription subscription, StreamEntry entry, Throwable interrupted) {}

    /** The entry's type is not one the handler consumes; acknowledged without a call. */
    default void skipped(Subscription subscription, Event event) {}

    /** Tells {@code first}, then {@code second}; just {@code first} when there is no second. */
    static DeliveryObserver both(DeliveryObserver first, DeliveryObserver second) {
        if (second == NONE) {
            return first; // no extra call per event for the common case (bin/eventbus run)
        }
        return new DeliveryObserver() {
            @Override
            public void handled(Subscription s, Event e, long nanos) {
                first.handled(s, e, nanos);
                second.handled(s, e, nanos);
            }

            @Override
            public void failed(Subscription s, Event e, Throwable error) {
                first.failed(s, e, error);
                second.failed(s, e, error);
            }

            @Override
            public void retryScheduled(Subscription s, StreamEntry entry, java.time.Duration delay) {
                first.retryScheduled(s, entry, delay);
                second.retryScheduled(s, entry, delay);
            }

            @Override
            public void deadLettered(Subscription s, StreamEntry entry, DeadLetterReason reason) {
                first.deadLettered(s, entry, reason);
                second.deadLettered(s, entry, reason);
            }

            @Override
            public void leftPending(Subscription s, StreamEntry entry, Throwable interrupted) {
                first.leftPending(s, entry, interrupted);
                second.leftPending(s, entry, interrupted);
            }

            @Override
            public void skipped(Subscription s, Event e) {
                first.skipped(s, e);
                second.skipped(s, e);
            }
        };
    }
}
