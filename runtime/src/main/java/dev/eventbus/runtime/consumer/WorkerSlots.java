package dev.eventbus.runtime.consumer;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A subscription's bulkhead: one slot per event being handled. The reader, the retry poller and
 * the reclaimer take slots before they take entries from Redis, so nothing waits in memory for a
 * worker, and entries' idle time in Redis starts when a worker is ready.
 *
 * <p>Thread-safe.
 */
public final class WorkerSlots {

    private final int capacity;
    private final Semaphore free;

    public WorkerSlots(int capacity) {
        this.capacity = capacity;
        this.free = new Semaphore(capacity);
    }

    /** Takes up to {@code max} free slots without waiting; may return 0. */
    public int tryTake(int max) {
        int taken = 0;
        while (taken < max && free.tryAcquire()) {
            taken++;
        }
        return taken;
    }

    /**
     * How many slots are free, waiting up to {@code wait} for at least one; takes none. The reader
     * sizes its COUNT with it but takes slots only for the entries Redis returns, so that the retry
     * poller and the reclaimer are not starved while it blocks.
     */
    public int awaitFree(Duration wait) throws InterruptedException {
        if (!free.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
            return 0;
        }
        free.release();
        int n = free.availablePermits();
        if (n < capacity / 2) {
            // Saturated: wait a moment for half the slots rather than read a handful of entries per
            // round trip. Costs nothing when idle (all slots free) and at most LINGER when busy.
            if (free.tryAcquire(capacity / 2, LINGER_NANOS, TimeUnit.NANOSECONDS)) {
                free.release(capacity / 2);
            }
            n = Math.max(1, free.availablePermits());
        }
        return n;
    }

    /** Longest wait for a bigger batch when every slot is busy. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    /** Takes {@code n} slots, waiting for them if others took some meanwhile. */
    public void take(int n) throws InterruptedException {
        if (n > 0) {
            free.acquire(n);
        }
    }

    public void release(int n) {
        if (n > 0) {
            free.release(n);
        }
    }

    public void release() {
        free.release();
    }

    public int capacity() {
        return capacity;
    }

    public int inFlight() {
        return capacity - free.availablePermits();
    }

    /** Waits until every slot is free (nothing in flight), up to the deadline. */
    public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0 || !free.tryAcquire(capacity, left, TimeUnit.NANOSECONDS)) {
            return false;
        }
        free.release(capacity);
        return true;
    }
}
