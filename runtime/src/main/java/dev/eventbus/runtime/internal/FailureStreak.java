package dev.eventbus.runtime.internal;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A loop's run of consecutive failures, as a back-off and logging policy: the wait before the next
 * try doubles from {@code first} up to {@code cap} and is forgotten on the first success; a failure
 * is worth a log line when it is the first, when the wait grew, and then once a {@link
 * FailureLogPacing#REMINDER} while it does not ({@link FailureLogPacing}). The last
 * failure's text answers health checks until a success clears it. A change of the client's view of
 * Redis may cut a wait short, at most once per {@link #CHANGE_SPACING} ({@link #changeMayCut},
 * {@link #triedOnChange}); a new topology always ({@link #triedOnNewTopology}).
 *
 * <p>One loop thread records failures and successes; {@link #failure()} may be read from any thread.
 */
public final class FailureStreak {

    /**
     * At most one try per this spacing is started by a connection made: during an outage the
     * client reports them many times a second (every topology refresh opens, and so "activates", a
     * connection to each node), and a try per change retried every few milliseconds; once Redis is
     * back, the next try comes within this spacing.
     */
    public static final Duration CHANGE_SPACING = Duration.ofSeconds(1);

    private final Duration first;
    private final Duration cap;
    private final LongSupplier nanoTime;
    private final FailureLogPacing logPacing;
    private int failures;
    private Duration wait = Duration.ZERO;
    /** When the last try started by a change began ({@link #triedOnChange}); valid while {@link #changeTried}. */
    private long lastChangeTry;

    private boolean changeTried;
    /** A change started this streak's back-off over already ({@link #triedOnChange}). */
    private boolean rewound;

    private volatile String failure = "";

    public FailureStreak(Duration first, Duration cap) {
        this(first, cap, System::nanoTime);
    }

    /** @param nanoTime the clock of {@link #CHANGE_SPACING} and of the log's reminders */
    public FailureStreak(Duration first, Duration cap, LongSupplier nanoTime) {
        this.first = first;
        this.cap = cap.compareTo(first) < 0 ? first : cap;
        this.nanoTime = nanoTime;
        this.logPacing = new FailureLogPacing(nanoTime);
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
        wait = next;
        failure = description;
        return wait;
    }

    /**
     * Whether the failure just recorded deserves a log line ({@link FailureLogPacing}); call once
     * per failure.
     *
     * @param waited the wait the loop takes after it: {@link #failed}'s, or less where the loop
     *     clamps it (a wait clamped below the back-off stops growing there, and so do its lines)
     */
    public boolean worthLogging(Duration waited) {
        return logPacing.failed(waited, failure);
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
            logPacing.succeeded();
        }
        changeTried = false;
        rewound = false;
        return ended;
    }

    /**
     * Whether a change of the client's view of Redis (a connection made: a node back) may end the
     * wait after the last failure now: while failing, once {@link #CHANGE_SPACING} passed since the
     * last try a change started ({@link #mayCutIn}).
     */
    public boolean changeMayCut() {
        return failures > 0 && mayCutIn() == 0;
    }

    /** Nanoseconds until a change may end the wait (0: now), while failing. */
    public long mayCutIn() {
        if (!changeTried) {
            return 0;
        }
        long left = lastChangeTry + CHANGE_SPACING.toNanos() - nanoTime.getAsLong();
        return Math.max(0, left);
    }

    /**
     * A change of the client's view ended the wait: the try under way was started by it. The first
     * such try of a streak starts the back-off over, so a wait grown during an outage does not
     * delay the tries right after a failover (the view may change before the connection to the new
     * node is up). Only the first: a rewind on every change kept the back-off from ever growing
     * while an outage's changes came and went. The streak itself (its count, its failure) goes on
     * until a success.
     */
    public void triedOnChange() {
        if (failures == 0) {
            return; // no streak: nothing to cut short or start over
        }
        lastChangeTry = nanoTime.getAsLong();
        changeTried = true;
        if (!rewound) {
            rewound = true;
            wait = Duration.ZERO;
        }
    }

    /**
     * A new topology (a promoted replica, a moved slot) ended the wait: the back-off starts over.
     * Rare, not an outage's storm, so it neither counts against {@link #CHANGE_SPACING} nor is
     * limited by it: the try it starts often fails at once (the connection to the new primary is
     * still being made), and the connection made right after may end the next wait.
     */
    public void triedOnNewTopology() {
        if (failures == 0) {
            return;
        }
        wait = Duration.ZERO;
    }

    /** The last failure while the streak lasts, else empty. */
    public String failure() {
        return failure;
    }
}
