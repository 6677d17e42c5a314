package dev.eventbus.runtime.internal;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Which failures of a loop that keeps failing get a log line: the first, each one after which the
 * wait grew, each whose description was not logged yet in this run of failures (Redis unreachable,
 * then refusing the login: the new reason is told at once, not a minute later; two reasons taking
 * turns are each told once), and then, while the wait stays at its longest, one every {@link
 * #REMINDER}. A loop
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
    private static final int MAX_TOLD = 8;

    /** The descriptions logged in this run of failures, {@value #MAX_TOLD} at most. */
    private final Set<String> told = new HashSet<>();

    /** @param nanoTime the clock of {@link #REMINDER} */
    public FailureLogPacing(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Records one failure, after which the loop waits {@code wait}.
     *
     * @param description what failed, as the line would say it (what makes two failures the same)
     * @return whether it deserves a log line
     */
    public boolean failed(Duration wait, String description) {
        long now = nanoTime.getAsLong();
        // Past a handful of reasons (a description that varies each round), only growth and reminders.
        boolean fresh = told.size() < MAX_TOLD && !told.contains(description);
        boolean line = !failing || fresh || wait.compareTo(lastWait) > 0 || now - lastLine >= REMINDER.toNanos();
        failing = true;
        lastWait = wait;
        if (line) {
            lastLine = now;
            if (told.size() < MAX_TOLD) {
                told.add(description);
            }
        }
        return line;
    }

    /** A success: the next failure is a first one again. */
    public void succeeded() {
        failing = false;
        lastWait = Duration.ZERO;
        told.clear();
    }
}
