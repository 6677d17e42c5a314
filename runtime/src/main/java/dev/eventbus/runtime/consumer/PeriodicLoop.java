package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.FailureStreak;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A loop that runs a task every {@code period} on its own virtual thread until stopped, and
 * survives every error: on repeated failure it backs off (doubling up to {@link #MAX_BACKOFF},
 * back to the period on success) and logs the first failure, each growth of the wait, and the
 * recovery, not every period. Each round stamps a heartbeat for liveness.
 */
abstract class PeriodicLoop {

    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final String name;
    private final Duration period;
    private final FailureStreak streak;
    private volatile boolean stopping;
    private volatile long lastRoundNanos = System.nanoTime();
    private Thread thread;

    PeriodicLoop(String name, Duration period) {
        this.name = name;
        this.period = period;
        this.streak = new FailureStreak(period, MAX_BACKOFF);
    }

    protected abstract void iteration() throws Exception;

    protected abstract Logger log();

    final synchronized void start() {
        thread = Thread.ofVirtual().name(name).start(this::run);
    }

    final void stop() {
        stopping = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }

    final boolean stopping() {
        return stopping;
    }

    /** The failure of the current streak ("" when the last round worked). */
    final String failure() {
        return streak.failure();
    }

    /** Whether the loop came round within {@code stall} (or was never started, or stopped). */
    final boolean comesRound(Duration stall) {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        return t == null || stopping || (t.isAlive() && System.nanoTime() - lastRoundNanos < stall.toNanos());
    }

    private void run() {
        while (!stopping) {
            lastRoundNanos = System.nanoTime();
            Duration wait = period;
            try {
                iteration();
                int ended = streak.succeeded();
                if (ended > 0) {
                    log().info("{}: works again after {} failed round(s)", name, ended);
                }
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
            } catch (Throwable t) {
                String what = Errors.describe(t);
                wait = streak.failed(what);
                if (streak.worthLogging()) {
                    log().warn("{}: {}; failed {} time(s) in a row, next try in {} ms", name, what,
                            streak.failures(), wait.toMillis());
                }
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
            }
        }
    }
}
