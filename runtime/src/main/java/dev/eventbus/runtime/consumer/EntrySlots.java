package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.dispatch.SlotLender;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A subscription's hold on entries: one slot per entry taken from Redis and not yet done with
 * (running, or read ahead and waiting for a worker). The reader, the retry poller and the
 * reclaimer take slots before they take entries from Redis, so what waits in memory is bounded
 * by the capacity (max-in-flight + read-ahead). It counts entries, not workers: how many handler
 * calls run at once is the dispatcher's {@code WorkerPool}'s limit (max-in-flight).
 *
 * <p>Entries waiting in an ordering lane behind an earlier event of their subject are lent
 * ({@link SlotLender}): they still count for the reader, but the retry poller and the reclaimer may
 * take that many slots beyond the free ones (at most the capacity again). Otherwise the entries of
 * held subjects could fill every slot, and the retries they wait for would never get one: the
 * subscription would stop for good. So at most twice the capacity waits in memory.
 *
 * <p>Not a {@link java.util.concurrent.Semaphore}: a reader waiting there for many slots is woken
 * by every single release. Here a release wakes the reader only once the count it waits for is
 * reached, so finishing an event costs one atomic add, not a thread wake-up.
 *
 * <p>Thread-safe. {@link #awaitFree} and {@link #take} wait, and are for the one reader thread.
 */
public final class EntrySlots implements SlotLender {

    /** Longest wait for a bigger batch when every slot is busy. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final int capacity;
    private final AtomicInteger free;
    /** The reader while it waits; taken (set to null) by the one release that wakes it. */
    private final AtomicReference<Thread> waiter = new AtomicReference<>();

    private volatile int wanted = Integer.MAX_VALUE;
    /** Entries waiting in an ordering lane now, whose slots retries and reclaims may take. */
    private final AtomicInteger lent = new AtomicInteger();

    public EntrySlots(int capacity) {
        this.capacity = capacity;
        this.free = new AtomicInteger(capacity);
    }

    /**
     * Takes up to {@code max} slots without waiting, for the retry poller and the reclaimer: free
     * ones, and those lent by entries waiting in a lane (the count of free slots may go below zero
     * then; the reader waits until it is above again). May return 0.
     */
    public int tryTake(int max) {
        return take(max, Math.min(lent.get(), capacity));
    }

    @Override
    public void lend() {
        lent.incrementAndGet();
    }

    @Override
    public void takeBack() {
        lent.decrementAndGet();
    }

    /** Takes up to {@code max} slots of those free beyond {@code -borrowable}; may return 0. */
    private int take(int max, int borrowable) {
        while (true) {
            int f = free.get();
            int n = Math.min(f + borrowable, max);
            if (n <= 0) {
                return 0;
            }
            if (free.compareAndSet(f, f - n)) {
                return n;
            }
        }
    }

    /**
     * How many slots are free, waiting up to {@code wait} for at least one; takes none. The reader
     * sizes its COUNT with it but takes slots only for the entries Redis returns, so that the retry
     * poller and the reclaimer are not starved while it blocks. When saturated it lingers a moment
     * for half the slots rather than read a handful of entries per round trip (free when idle, at
     * most 2 ms when busy).
     */
    public int awaitFree(Duration wait) throws InterruptedException {
        long now = System.nanoTime();
        if (!awaitAtLeast(1, now + wait.toNanos())) {
            return 0;
        }
        if (free.get() < capacity / 2) {
            awaitAtLeast(capacity / 2, System.nanoTime() + LINGER_NANOS);
        }
        return Math.max(1, free.get());
    }

    /** Takes {@code n} slots, waiting for them if others took some meanwhile. */
    public void take(int n) throws InterruptedException {
        while (n > 0) {
            n -= take(n, 0); // never lent slots: they are kept for the retries the lanes wait for
            if (n > 0) {
                awaitAtLeast(Math.min(n, capacity), System.nanoTime() + TimeUnit.DAYS.toNanos(1));
            }
        }
    }

    public void release(int n) {
        if (n > 0 && free.addAndGet(n) >= wanted) {
            Thread w = waiter.get();
            if (w != null && waiter.compareAndSet(w, null)) { // one wake-up, not one per release
                LockSupport.unpark(w);
            }
        }
    }

    public void release() {
        release(1);
    }

    public int capacity() {
        return capacity;
    }

    /** Slots taken now: entries held (running, read ahead, or being fetched by the poller or reclaimer). */
    public int taken() {
        return capacity - free.get();
    }

    /**
     * Whether nothing runs or is about to: every slot taken is lent by an entry waiting in an
     * ordering lane. With the subscription's reader, retry poller and reclaimer ended (or none of
     * them reading for it, as in a handover), such an entry waits behind a subject held for its
     * retry, which nothing here will bring: waiting for it would only spend the whole grace (it stays
     * pending, in order, for the next start or owner). One waiting behind a running event is not
     * idle: the running one holds a slot it does not lend, and when it ends the next one's slot is
     * taken back ({@link #takeBack}) before its own is released.
     *
     * <p>The free count is read first: then, while nothing new is taken, a slot seen taken that is
     * no longer lent when the lent count is read still counts (a waiting entry that just started).
     */
    public boolean isIdle() {
        int taken = capacity - free.get();
        return taken <= lent.get();
    }

    /** Waits until {@link #isIdle()} (nothing in flight but entries held behind a retry), up to the deadline. */
    public boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        while (!isIdle()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            // Shutdown only, from another thread than the reader's: polling keeps release() cheap.
            LockSupport.parkNanos(Math.min(left, IDLE_POLL_NANOS));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        return true;
    }

    /** Parks the reader until {@code n} slots are free; a release wakes it only when they are. */
    private boolean awaitAtLeast(int n, long deadlineNanos) throws InterruptedException {
        if (free.get() >= n) {
            return true;
        }
        Thread self = Thread.currentThread();
        try {
            while (true) {
                wanted = n;
                waiter.set(self); // before free is read again: a release either sees it or is seen
                if (free.get() >= n) {
                    return true;
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            wanted = Integer.MAX_VALUE;
            waiter.set(null);
        }
    }
}
