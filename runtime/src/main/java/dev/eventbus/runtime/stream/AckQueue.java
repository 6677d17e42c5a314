package dev.eventbus.runtime.stream;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

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
    final List<List<String>> inFlight = new ArrayList<>();
    /** Acknowledgements queued or in flight: counted up by each ack, down by Redis's answers. */
    final AtomicInteger unconfirmed = new AtomicInteger();

    /** Redis answered {@code n} acknowledgements (confirmed, or refused for good). */
    void confirmed(int n) {
        unconfirmed.addAndGet(-n);
    }
}
