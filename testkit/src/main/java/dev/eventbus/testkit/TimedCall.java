package dev.eventbus.testkit;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One handler call under the runtime's timeout: on a virtual thread of its own, as the runtime's
 * workers are; interrupted past {@code timeout}; left running past {@code timeout + abandon-after}
 * (nothing stops a thread that ignores its interrupt), so a test never waits for it for ever.
 * Stateless.
 */
final class TimedCall {

    /** The handler's call. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /**
     * How the call ended.
     *
     * @param failure what it threw, or null when it returned (or was abandoned)
     * @param interrupted whether it ran past its timeout and was interrupted
     * @param abandoned whether it then ignored the interrupt past abandon-after, and still runs
     */
    record Ended(Throwable failure, boolean interrupted, boolean abandoned) {}

    private TimedCall() {}

    static Ended run(String name, Body body, Duration timeout, Duration abandonAfter) {
        CompletableFuture<Throwable> done = new CompletableFuture<>();
        Thread worker = Thread.ofVirtual().name(name).start(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.complete(t);
            }
        });
        try {
            try {
                return new Ended(done.get(timeout.toNanos(), TimeUnit.NANOSECONDS), false, false);
            } catch (TimeoutException late) {
                worker.interrupt();
            }
            try {
                return new Ended(done.get(abandonAfter.toNanos(), TimeUnit.NANOSECONDS), true, false);
            } catch (TimeoutException ignored) {
                return new Ended(null, true, true);
            }
        } catch (InterruptedException e) {
            worker.interrupt();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while handler thread " + name + " ran", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // never: the future is completed normally
        }
    }
}
