package dev.eventbus.redis;

import java.time.Duration;
import java.util.function.Supplier;

/** Polling until a group of servers reaches a state, with a message that says which state. Stateless. */
final class Waits {

    private static final long POLL_MILLIS = 50;

    private Waits() {}

    /**
     * Polls until {@code check} returns {@code null} (reached), or throws with the last answer.
     *
     * @param what the state waited for, for the message
     * @param check {@code null} when the state is reached, else what is still missing
     * @throws IllegalStateException when the state is not reached within the timeout
     */
    static void until(String what, Duration timeout, Supplier<String> check) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String missing = check.get();
        while (missing != null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "timed out after " + timeout.toSeconds() + " s waiting for " + what + ": " + missing);
            }
            sleep(POLL_MILLIS);
            missing = check.get();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }
}
