package dev.eventbus.runtime.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The acknowledgements of one stream and group ({@link Acknowledger}): the ids queued to send, and
 * how many are queued or sent but not confirmed yet. One per subscription, so that a subscription
 * whose node is slow holds back only itself: on a cluster, the streams of the other primaries go on.
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
    final List<String[]> inFlight = new ArrayList<>();
    /** Acknowledgements queued or in flight: counted up by each ack, down by Redis's answers. */
    final AtomicInteger unconfirmed = new AtomicInteger();
    /** How many may be unconfirmed before the subscription's reader waits (and its retry poller and reclaimer take nothing). */
    private final int limit;
    /** The reader waiting for room, if any: woken by the answer that makes room. */
    volatile Thread waiter;

    AckQueue(int limit) {
        this.limit = limit;
    }

    boolean hasRoom() {
        return unconfirmed.get() < limit;
    }

    /** Redis answered {@code n} acknowledgements (confirmed, or refused for good). */
    void confirmed(int n) {
        if (unconfirmed.addAndGet(-n) < limit) {
            wakeWaiter();
        }
    }

    void wakeWaiter() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }
}
