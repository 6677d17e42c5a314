package dev.eventbus.runtime.dispatch;

import java.util.function.LongSupplier;

/**
 * Shows the call to the timeout {@link Watchdog}: from its start, which it may interrupt past the
 * handler's timeout, to its end, after which it leaves the worker alone. Innermost, so that the
 * timeout covers the handler alone.
 */
final class WatchdogTimingStep implements HandlerCall.Step {

    private final LongSupplier nanoTime;

    WatchdogTimingStep(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    @Override
    public HandlerCall around(HandlerCall next) {
        return invocation -> {
            Delivery delivery = invocation.delivery();
            delivery.started(
                    Thread.currentThread(),
                    nanoTime.getAsLong(),
                    invocation.subscription(),
                    invocation.entry(),
                    invocation.event(),
                    invocation.limits());
            try {
                next.call(invocation);
            } finally {
                delivery.finished(nanoTime.getAsLong());
            }
        };
    }
}
