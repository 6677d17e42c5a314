package dev.eventbus.runtime;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The watchdog of start-up: each step stamps its stage, and start-up counts as stalled when it
 * has not finished and the last stamp is older than the stall bound. Waiting for Redis stamps each
 * attempt, so only a step that makes no progress at all (a plugin that hangs, or calls
 * {@code System.exit}, while it loads) stalls.
 *
 * <p>Thread-safe: start-up stamps, health checks read, without a lock (start-up holds the
 * runtime's while a check runs).
 */
final class StartupProgress {

    private final LongSupplier nanos;
    private volatile String stage = "not started";
    private volatile long stampNanos;
    private volatile boolean begun;
    private volatile boolean finished;

    StartupProgress(LongSupplier nanos) {
        this.nanos = nanos;
    }

    void stage(String what) {
        stage = what;
        stampNanos = nanos.getAsLong();
        begun = true;
    }

    /** Stamps progress in the current stage; returns {@code value} (for a retry loop's stop condition). */
    boolean stampedWhile(boolean value) {
        stampNanos = nanos.getAsLong();
        return value;
    }

    void finished() {
        finished = true;
    }

    /** Why start-up counts as stuck, or empty. */
    Optional<String> stalled(Duration stall) {
        if (!begun || finished) {
            return Optional.empty();
        }
        long quiet = nanos.getAsLong() - stampNanos;
        return quiet < stall.toNanos()
                ? Optional.empty()
                : Optional.of("start-up made no progress for "
                        + Duration.ofNanos(quiet).toSeconds() + "s while " + stage);
    }
}
