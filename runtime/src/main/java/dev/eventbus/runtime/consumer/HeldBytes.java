package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.stream.FieldList;
import dev.eventbus.runtime.stream.StreamEntry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The bytes of field names and values a subscription holds in entries taken from Redis and not yet
 * done with, against its budget ({@code consumer.read-ahead-bytes}). Slots bound how many entries
 * a subscription holds; this bounds how big they are together: the reader does not read while the
 * budget is spent, asks for fewer entries when they are large, and what one read may add is cut
 * at the room left (see {@link NewEntriesOutput}), so the bytes held stay under the budget plus one
 * entry. The retry poller and the reclaimer charge what they take too, and take nothing while the
 * budget is {@link #spent()}: each may also add one entry past it, so with all three at once the
 * bound is the budget plus three entries, each at most consumer.max-event-bytes.
 *
 * <p>Each entry is charged when it is handed to the dispatcher, and released with its slot by the
 * {@link Runnable} {@link #charge} returns. An entry of up to {@link #SMALL_ENTRY} bytes is charged
 * as {@code SMALL_ENTRY} and released by one shared Runnable, so small events cost one atomic add
 * each way and no allocation; a larger one is charged exactly, with a Runnable of its own.
 *
 * <p>Thread-safe. {@link #awaitRoom} and {@link #count} are for the one reader thread.
 */
final class HeldBytes {

    /** What an entry is charged at least: small entries are counted as this, not measured. */
    static final long SMALL_ENTRY = 1024;

    private final long budget;
    private final EntrySlots slots;
    private final AtomicLong held = new AtomicLong();
    /** The reader while it waits for room; taken (set to null) by the release that wakes it. */
    private final AtomicReference<Thread> waiter = new AtomicReference<>();

    private final Runnable releaseSmall;
    /** Bytes per entry in Redis in recent reads; 0 before the first. Reader thread only. */
    private long averageEntry;

    HeldBytes(long budget, EntrySlots slots) {
        this.budget = budget;
        this.slots = slots;
        this.releaseSmall = () -> release(SMALL_ENTRY);
    }

    /** Bytes held now. */
    long held() {
        return held.get();
    }

    long budget() {
        return budget;
    }

    /** Whether the budget is used up: the retry poller and the reclaimer take nothing then. */
    boolean spent() {
        return held.get() >= budget;
    }

    /**
     * Charges an entry handed over; the Runnable returned frees its slot and its bytes, once.
     */
    Runnable charge(StreamEntry entry) {
        long bytes = entry.fields() instanceof FieldList f ? f.heldBytes() : entry.sizeInBytes();
        if (bytes <= SMALL_ENTRY) {
            held.addAndGet(SMALL_ENTRY);
            return releaseSmall;
        }
        held.addAndGet(bytes);
        return () -> release(bytes);
    }

    private void release(long bytes) {
        slots.release();
        if (held.addAndGet(-bytes) < budget) {
            Thread w = waiter.get();
            if (w != null && waiter.compareAndSet(w, null)) {
                LockSupport.unpark(w);
            }
        }
    }

    /**
     * Bytes the next read may add, waiting up to {@code wait} while the budget is spent.
     *
     * @return the room left, or 0 when the wait ran out first
     */
    long awaitRoom(Duration wait) throws InterruptedException {
        long room = budget - held.get();
        if (room > 0) {
            return room;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        Thread self = Thread.currentThread();
        try {
            while (true) {
                waiter.set(self); // before held is read again: a release either sees it or is seen
                room = budget - held.get();
                long left = deadline - System.nanoTime();
                if (room > 0 || left <= 0) {
                    return Math.max(0, room);
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        } finally {
            waiter.set(null);
        }
    }

    /**
     * How many entries to ask Redis for, at most {@code max}: as many as fit in the room at the
     * recent size per entry, at least one. The first read asks for one, to learn the size.
     */
    int count(int max, long room) {
        if (averageEntry == 0) {
            return 1;
        }
        return (int) Math.max(1, Math.min(max, room / averageEntry));
    }

    /**
     * Learns the size of entries from a read. It follows a rise at once (the next read must not
     * overshoot) and a fall a quarter at a time.
     */
    void observe(long wireBytes, int entries) {
        if (entries == 0) {
            return;
        }
        long perEntry = Math.max(SMALL_ENTRY, wireBytes / entries);
        averageEntry = perEntry >= averageEntry ? perEntry : averageEntry - (averageEntry - perEntry) / 4;
    }
}
