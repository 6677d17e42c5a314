package dev.eventbus.runtime.internal;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Which failures of a loop that keeps failing get a log line: the first, each one after which the
 * wait grew, and then, while the wait stays at its longest, one every {@link #REMINDER}. A loop
 * retrying every few seconds through an hour's outage so says so about 60 times, not once a round
 * (found from outside: each reader logged every 5 s while Redis was down). The wait judged is the
 * one the loop actually waits, which may be clamped below its back-off (a reader's reconnect cap).
 *
 * <p>Used by one loop thread.
 */
public final class FailureLogPacing {

    /** At most one line this often while the wait does not grow. */
    public static final Duration REMINDER = Duration.ofMinutes(1);

    private final LongSupplier nanoTime;
    private boolean failing;
    private Duration lastWait = Duration.ZERO;
    private long lastLine;

    /** @param nanoTime the clock of {@link #REMINDER} */
    public FailureLogPacing(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Records one failure, after which the loop waits {@code wait}.
     *
     * @return whether it deserves a log line
     */
    public boolean failed(Duration wait) {
        long now = nanoTime.getAsLong();
        boolean line = !failing || wait.compareTo(lastWait) > 0 || now - lastLine >= REMINDER.toNanos();
        failing = true;
        lastWait = wait;
        if (line) {
            lastLine = now;
        }
        return line;
    }

    /** A success: the next failure is a first one again. */
    public void succeeded() {
        failing = false;
        lastWait = Duration.ZERO;
    }
}
