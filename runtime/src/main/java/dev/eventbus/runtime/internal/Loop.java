package dev.eventbus.runtime.internal;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/**
 * A loop on a thread of its own that runs rounds until stopped and survives every error: a round
 * that throws (anything, an {@link Error} too) is logged and tried again after a wait that doubles
 * on each failure in a row, from {@code firstBackoff} up to {@link #MAX_BACKOFF}, and is forgotten
 * on the first success ({@link FailureStreak}). The log says the first failure, each growth of the
 * wait, a reminder once a minute while it stays at its longest, and the recovery, not every round. Each round stamps a heartbeat, for liveness checks.
 *
 * <p>A round says how long to wait before the next one ({@link Round}); {@link #wake()} cuts a wait
 * short. An interrupt ends the loop only once {@link #stop()} was called; otherwise it is ignored
 * (an interrupted wait ends early).
 *
 * <p>Thread-safe: {@link #start}, {@link #stop}, {@link #wake} and the queries may be called from
 * any thread; the rounds run one after another on the loop's thread.
 */
public final class Loop {

    /**
     * The longest wait after failures in a row. The config check's bound for {@code
     * admin.stall-timeout} ({@code config.StallBound}, which this package may not see, nor it this)
     * states the same 30 s: change both together.
     */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** One round of a loop. */
    @FunctionalInterface
    public interface Round {
        /** @return how long to wait before the next round ({@link Duration#ZERO}: at once) */
        Duration run() throws Exception;
    }

    /** One round of a loop that runs every period. */
    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    private final String name;
    private final ThreadFactory threads;
    private final Logger log;
    private final Round round;
    private final FailureStreak streak;
    private final boolean interruptOnStop;
    private final ReconnectReason reconnect;
    private final Duration initialWait;
    private volatile boolean stopping;
    private volatile boolean woken;
    /** The wait ended for a rewind ({@link #pause}); the loop thread's own. */
    private boolean rewound;
    /** {@link #rewindForNewTopology} asked for the next round. */
    private volatile boolean rewoundForTopology;
    /** A {@link #rewind} came since the round began: it runs the next round once the streak allows. */
    private volatile boolean changePending;

    private volatile Duration wait = Duration.ZERO;
    private volatile long lastRoundNanos = System.nanoTime();
    private volatile Thread thread;

    /**
     * @param name the thread's name, and how the log names the loop
     * @param threads makes the loop's thread
     * @param initialWait before the first round
     * @param firstBackoff the wait after a first failure; it doubles on each further one
     * @param interruptOnStop whether {@link #stop} interrupts a round in progress (a blocking call)
     *     or only ends the wait between rounds
     */
    public Loop(
            String name,
            ThreadFactory threads,
            Duration initialWait,
            Duration firstBackoff,
            boolean interruptOnStop,
            Logger log,
            Round round) {
        this(name, threads, initialWait, firstBackoff, interruptOnStop, log, ReconnectReason.UNKNOWN, round);
    }

    /**
     * @param reconnect why the Redis client the rounds use fails to reconnect: a round refused
     *     while it does is said with it ({@link Errors#describe(Throwable, ReconnectReason)})
     */
    public Loop(
            String name,
            ThreadFactory threads,
            Duration initialWait,
            Duration firstBackoff,
            boolean interruptOnStop,
            Logger log,
            ReconnectReason reconnect,
            Round round) {
        this.name = name;
        this.reconnect = reconnect;
        this.threads = threads;
        this.initialWait = initialWait;
        this.streak = new FailureStreak(firstBackoff, MAX_BACKOFF);
        this.interruptOnStop = interruptOnStop;
        this.log = log;
        this.round = round;
    }

    /**
     * A loop on a virtual thread that runs {@code task} at once and then every {@code period},
     * backing off from the period on failures; {@link #stop} interrupts it.
     */
    public static Loop every(String name, Duration period, Logger log, Task task) {
        return every(name, Duration.ZERO, period, log, task);
    }

    /** As {@link #every(String, Duration, Logger, Task)}, with a first round after {@code initialWait}. */
    public static Loop every(String name, Duration initialWait, Duration period, Logger log, Task task) {
        return every(name, initialWait, period, log, ReconnectReason.UNKNOWN, task);
    }

    /**
     * As {@link #every(String, Duration, Logger, Task)}, with rounds that use a Redis client
     * ({@code reconnect}: why it fails to reconnect, see {@link #Loop(String, ThreadFactory,
     * Duration, Duration, boolean, Logger, ReconnectReason, Round)}).
     */
    public static Loop every(String name, Duration period, Logger log, ReconnectReason reconnect, Task task) {
        return every(name, Duration.ZERO, period, log, reconnect, task);
    }

    private static Loop every(
            String name, Duration initialWait, Duration period, Logger log, ReconnectReason reconnect, Task task) {
        return new Loop(name, Thread.ofVirtual().factory(), initialWait, period, true, log, reconnect, () -> {
            task.run();
            return period;
        });
    }

    public synchronized void start() {
        Thread t = threads.newThread(this::run);
        t.setName(name);
        thread = t;
        t.start();
    }

    /** Ends the loop after the round in progress (interrupting it if so configured). Does not wait. */
    public void stop() {
        stopping = true;
        Thread t = thread;
        if (t == null) {
            return;
        }
        if (interruptOnStop) {
            t.interrupt();
        } else {
            LockSupport.unpark(t);
        }
    }

    /**
     * Waits up to {@code timeout} for the loop's thread to end.
     *
     * @return whether it ended, or was not started (once stopped, a loop started later runs no round)
     */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        Thread t;
        synchronized (this) { // with start(): a thread seen here was started
            t = thread;
        }
        return t == null || t.join(timeout);
    }

    /** Starts the next round now if the loop waits between rounds, else right after this one. */
    public void wake() {
        woken = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * While rounds fail, runs the next round now: what failed may work at once (Redis failed over),
     * and a back-off grown during the outage would otherwise hold the loop, and what reads its
     * {@link #failure()}, for up to {@link #MAX_BACKOFF} after it. The first such round of a streak
     * starts the back-off over. No effect while rounds succeed; at most one round per {@link
     * FailureStreak#CHANGE_SPACING} is run so (a rewind that comes sooner runs it then): the changes
     * of an outage would otherwise run a round every few milliseconds.
     */
    public void rewind() {
        if (!streak.failure().isEmpty()) {
            changePending = true;
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t); // the wait decides whether it may end now (FailureStreak#mayCutIn)
            }
        }
    }

    /**
     * As {@link #rewind}, for a new topology (a promoted replica, a moved slot): rare, and what the
     * failing rounds wait for, so it runs the next round now even after a round a change started.
     */
    public void rewindForNewTopology() {
        if (!streak.failure().isEmpty()) {
            rewoundForTopology = true;
            wake();
        }
    }

    public boolean isStopping() {
        return stopping;
    }

    /** Whether the loop was started, was not stopped and its thread runs. */
    public boolean isRunning() {
        Thread t = thread;
        return t != null && t.isAlive() && !stopping;
    }

    /** The failure of the current streak ("" when the last round worked). */
    public String failure() {
        return streak.failure();
    }

    /** The wait after the last round: what the round asked for, or longer while rounds fail. */
    public Duration currentWait() {
        return wait;
    }

    /**
     * Whether the loop came round within {@code stall}: true when it was never started or was
     * stopped (on purpose), false when its thread ended or is stuck in one round.
     */
    public boolean comesRound(Duration stall) {
        Thread t = thread;
        return t == null || stopping || (t.isAlive() && System.nanoTime() - lastRoundNanos < stall.toNanos());
    }

    private void run() {
        if (!pause(initialWait)) {
            return;
        }
        while (!stopping) {
            lastRoundNanos = System.nanoTime();
            boolean onTopology = rewoundForTopology;
            boolean onChange = rewound && !onTopology;
            rewoundForTopology = false;
            rewound = false;
            changePending = false;
            if (onTopology) {
                streak.triedOnNewTopology(); // a connection made right after may still cut the next wait
            } else if (onChange) {
                streak.triedOnChange();
            }
            Duration next;
            try {
                next = round.run();
                int ended = streak.succeeded();
                if (ended > 0) {
                    log.info("{}: works again after {} failed round(s)", name, ended);
                }
            } catch (InterruptedException e) {
                next = wait; // an interrupt not meant as a stop: the next round after the usual wait
            } catch (Throwable t) {
                if (stopping || Errors.hasCause(t, InterruptedException.class)) {
                    // A stop interrupts the round (a Redis call, say), which may throw its own
                    // wrapper of the interrupt: the round was ended on purpose, it did not fail.
                    next = wait;
                } else {
                    String what = Errors.describe(t, reconnect);
                    next = streak.failed(what);
                    if (streak.worthLogging(next)) {
                        log.warn(
                                "{}: {}; failed {} time(s) in a row, next try in {} ms",
                                name,
                                what,
                                streak.failures(),
                                next.toMillis());
                    }
                }
            }
            wait = next;
            if (!pause(next)) {
                return;
            }
        }
    }

    /**
     * Waits {@code d}, or less when woken, or rewound while failing once the streak allows it
     * ({@link FailureStreak#mayCutIn}); false when the loop is to end.
     */
    private boolean pause(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        while (!stopping && !woken) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            if (changePending && !streak.failure().isEmpty()) {
                long in = streak.mayCutIn();
                if (in == 0) {
                    rewound = true;
                    break;
                }
                left = Math.min(left, in);
            }
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted() && !stopping) {
                break; // not a stop: the next round, at once
            }
        }
        woken = false;
        return !stopping;
    }
}
