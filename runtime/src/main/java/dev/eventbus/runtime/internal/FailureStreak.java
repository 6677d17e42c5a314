package dev.eventbus.runtime.internal;

import java.time.Duration;

/**
 * A loop's run of consecutive failures, as a back-off and logging policy: the wait before the next
 * try doubles from {@code first} up to {@code cap} and is forgotten on the first success; a failure
 * is worth a log line when it is the first, when the wait grew, and then every {@value #LOG_EVERY_AT_CAP}th
 * at the cap, so a loop that keeps failing says so a few times, not four times a second. The last
 * failure's text answers health checks until a success clears it.
 *
 * <p>One loop thread records failures and successes; {@link #failure()} may be read from any thread.
 */
public final class FailureStreak {

    private static final int LOG_EVERY_AT_CAP = 10;

    private final Duration first;
    private final Duration cap;
    private int failures;
    private Duration wait = Duration.ZERO;
    private boolean grew;
    private volatile String failure = "";

    public FailureStreak(Duration first, Duration cap) {
        this.first = first;
        this.cap = cap.compareTo(first) < 0 ? first : cap;
    }

    /**
     * Records one failure.
     *
     * @param description what failed, for health checks (e.g. {@link Errors#describe})
     * @return how long to wait before the next try
     */
    public Duration failed(String description) {
        failures++;
        Duration next = wait.isZero() ? first : wait.multipliedBy(2);
        next = next.compareTo(cap) > 0 ? cap : next;
        grew = !next.equals(wait);
        wait = next;
        failure = description;
        return wait;
    }

    /** Whether the failure just recorded deserves a log line. */
    public boolean worthLogging() {
        return failures == 1 || grew || failures % LOG_EVERY_AT_CAP == 0;
    }

    /** Consecutive failures so far. */
    public int failures() {
        return failures;
    }

    /**
     * Records a success: the streak ends.
     *
     * @return how many failures it ended (0 when there was no streak)
     */
    public int succeeded() {
        int ended = failures;
        if (ended > 0) {
            failures = 0;
            wait = Duration.ZERO;
            failure = "";
        }
        return ended;
    }

    /**
     * Starts the back-off over: the next failure waits {@code first} again. The streak itself (its
     * count, its failure) goes on until a success.
     */
    public void rewind() {
        wait = Duration.ZERO;
    }

    /** The last failure while the streak lasts, else empty. */
    public String failure() {
        return failure;
    }
}
