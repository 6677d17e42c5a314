package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;

/**
 * Handles one delivery on its worker, start to outcome: {@link Admission} (decode, skip), the
 * handler call through its steps ({@link HandlerCall}), then {@link OnSuccess} or {@link OnFailure}.
 * An entry whose plugin is being unloaded, or whose runtime is shutting down, is not started, and
 * a failure then is not recorded: the entry stays pending ({@link LossRecorder}).
 *
 * <p>Each entry's outcome is decided exactly once ({@link Delivery#decide()}): here when the
 * handler returns, or by the {@link Watchdog} when it abandoned the worker first.
 *
 * <p>Thread-safe.
 */
final class DeliveryPipeline {

    private final Admission admission;
    private final HandlerCall call;
    private final OnSuccess onSuccess;
    private final OnFailure onFailure;
    private final LossRecorder losses;
    private final AbandonedWorkers abandoned;
    private volatile boolean shuttingDown;

    DeliveryPipeline(
            Admission admission,
            HandlerCall call,
            OnSuccess onSuccess,
            OnFailure onFailure,
            LossRecorder losses,
            AbandonedWorkers abandoned) {
        this.admission = admission;
        this.call = call;
        this.onSuccess = onSuccess;
        this.onFailure = onFailure;
        this.losses = losses;
        this.abandoned = abandoned;
    }

    /**
     * Runs on one of the subscription's workers.
     *
     * @param leaves told once the entry leaves the worker, with whether its outcome is final
     */
    void run(Subscription sub, StreamEntry entry, HandlerSettings limits, Delivery delivery, Resolution leaves) {
        if (notToRun(delivery)) {
            leaveUnstarted(sub, entry, delivery, leaves);
            return;
        }
        Event event = admission.admit(sub, entry, delivery, leaves);
        if (event == null) {
            return;
        }
        delivery.assigned(Thread.currentThread());
        if (notToRun(delivery)) {
            leaveUnstarted(sub, entry, delivery, leaves);
            return;
        }
        Throwable failure = invoke(new Invocation(sub, entry, event, limits, delivery));
        if (!delivery.decide()) {
            abandoned.ended(sub.handler().name());
            delivery.abandonedWorkerEnded();
            leaves.done(false); // abandoned earlier: the outcome is decided, only the slot was still taken
            return;
        }
        if (failure == null) {
            // Acknowledged before it leaves the held entries: a read of the pending entries sees it
            // in one or the other (SubscriptionDispatch.onTheirWay), never in neither.
            try {
                onSuccess.succeeded(sub, entry, event, delivery.elapsedNanos());
            } finally {
                delivery.forget();
                leaves.done(true);
            }
            return;
        }
        delivery.forget(); // the outcome is decided: the entry is no longer "being handled here"
        if (notToRun(delivery)) {
            // Interrupted by the end of the shutdown grace, or of its plugin, not failed: the entry
            // stays pending, for after the restart or for the plugin's next version.
            losses.leave(sub, entry, delivery, failure, leaves);
        } else {
            onFailure.failed(sub, entry, event, limits, delivery, failure, leaves);
        }
    }

    /** The shutdown grace is over: entries not started yet are not started, failures not recorded. */
    void beginShutdown() {
        shuttingDown = true;
    }

    /** Whether the shutdown grace or its plugin's unload is over: then the entry is not to run (on). */
    boolean notToRun(Delivery delivery) {
        return shuttingDown || delivery.isWithdrawn();
    }

    /** Stopped before it started: the entry stays pending, for after the restart or the reload. */
    void leaveUnstarted(Subscription sub, StreamEntry entry, Delivery delivery, Resolution leaves) {
        delivery.forget();
        losses.leave(sub, entry, delivery, null, leaves);
    }

    private Throwable invoke(Invocation invocation) {
        try {
            call.call(invocation);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
