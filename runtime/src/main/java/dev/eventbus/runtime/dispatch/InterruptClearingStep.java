package dev.eventbus.runtime.dispatch;

/**
 * Clears the worker's interrupt after the call: an interrupt (the timeout's, the unload's) is for
 * that event only, and the worker goes on to other events. Outermost, so that it comes after the
 * watchdog has let go of the call ({@link WatchdogTimingStep}): no timeout interrupt can arrive later.
 */
final class InterruptClearingStep implements HandlerCall.Step {

    @Override
    public HandlerCall around(HandlerCall next) {
        return invocation -> {
            try {
                next.call(invocation);
            } finally {
                if (Thread.currentThread().isInterrupted()) {
                    Thread.interrupted(); // cleared only when set, as it takes a lock
                }
            }
        };
    }
}
