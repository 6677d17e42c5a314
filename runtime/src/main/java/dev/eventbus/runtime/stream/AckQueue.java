package dev.eventbus.runtime.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The acknowledgements of one stream and group ({@link Acknowledger}): the ids queued to send, and
 * the room left for more, counted until Redis confirms them. One per subscription, so that a
 * subscription whose node is slow holds back only itself: on a cluster, the streams of the other
 * primaries go on.
 *
 * <p>Thread-safe.
 */
final class AckQueue {

    final Queue<String> ids = new ConcurrentLinkedQueue<>();
    /**
     * Batches sent and not answered yet: still unconfirmed (see {@link Acknowledger#unconfirmed}).
     * Guarded by this queue, as is every move of ids between {@link #ids} and here, so that a
     * snapshot never misses an id on its way between the two.
     */
    final List<List<String>> inFlight = new ArrayList<>();
    /** Permits for acknowledgements not yet confirmed; waited for without a timeout (see {@link #open}). */
    final Semaphore room;
    /** Acknowledgements queued without a permit (on an interrupt, or once stopping). */
    private final AtomicInteger overdraft = new AtomicInteger();

    AckQueue(int limit) {
        this.room = new Semaphore(limit);
    }

    /** Queued without a permit: paid back by the next confirmations before any room frees. */
    void overdrawn() {
        overdraft.incrementAndGet();
    }

    /** Frees the room of {@code n} answered acknowledgements, first paying back any overdraft. */
    void confirmed(int n) {
        int owed = overdraft.getAndUpdate(o -> o - Math.min(o, n));
        room.release(n - Math.min(owed, n));
    }

    /**
     * The acknowledger is closing: every worker waiting for room goes on, and none waits again. A
     * wait is untimed (a timed one that expires costs a scan of every waiter, many thousands a
     * second when Redis falls behind), so this is what ends it.
     */
    void open() {
        room.release(1 << 24); // more than there are workers to wake; safe to repeat
    }
}
