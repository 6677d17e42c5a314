package dev.eventbus.runtime.consumer;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Tells loops waiting out a back-off that the client's view of Redis changed: a new cluster
 * topology (a replica promoted, a slot moved) or a connection made (a node back, the primary the
 * sentinels name after a failover). A read that failed on the old view may work at once on the new
 * one; a back-off grown during the outage would otherwise hold it for seconds after Redis is back.
 *
 * <p>Thread-safe: changes come from Lettuce's threads, waits from the loops'.
 */
public final class TopologyChanges {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile long generation;

    /** How many changes so far: read before an attempt, passed to {@link #awaitChange} after it. */
    public long generation() {
        return generation;
    }

    /** Notes a change and wakes every waiter. */
    void changed() {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code max}, less once a change came after {@code seen} (one that came before this
     * call counts too: it ends the wait at once).
     *
     * @return whether a change ended the wait
     */
    boolean awaitChange(long seen, Duration max) throws InterruptedException {
        long left = max.toNanos();
        lock.lock();
        try {
            while (generation == seen && left > 0) {
                left = changed.awaitNanos(left);
            }
            return generation != seen;
        } finally {
            lock.unlock();
        }
    }
}
