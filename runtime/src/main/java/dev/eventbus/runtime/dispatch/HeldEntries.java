package dev.eventbus.runtime.dispatch;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * What one subscription has on its way through the dispatcher: the entries it holds (read and
 * waiting for a worker, or running), by entry id, and the workers that run its handler. Kept by
 * subscription name for the runtime's life, across reloads of its plugin: an entry a worker of the
 * old version still runs is not taken again by the next one.
 *
 * <p>Holding and running are counted apart on purpose: the reader may read ahead of free workers
 * (bigger reads, fewer round trips), while {@code max-in-flight} still caps how many handler calls
 * run at once, which is what a downstream service sees. Held entries are in {@link #deliveries},
 * so their claims are renewed while they wait. Abandoned workers are kept apart until they end:
 * they still run the handler's code, which matters when its plugin is unloaded.
 */
final class HeldEntries {

    final Map<String, Delivery> deliveries = new ConcurrentHashMap<>();
    /**
     * Held while the claims of {@link #deliveries} are renewed, and taken by an entry that leaves
     * without an outcome: so it learns whether that renewal found it deleted (see {@link Delivery#droppedFromPending}).
     */
    final Object renewal = new Object();
    /** Deliveries whose worker was abandoned and is still in the handler (no longer in {@link #deliveries}). */
    final Set<Delivery> abandoned = ConcurrentHashMap.newKeySet();

    final WorkerPool workers;

    HeldEntries(Executor threads, int maxInFlight) {
        this.workers = new WorkerPool(threads, maxInFlight);
    }
}
