package dev.eventbus.runtime.dispatch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * What one subscription has on its way through the dispatcher: the entries it holds (read and
 * waiting for a worker, or running) and the permits of its running handlers.
 *
 * <p>Holding and running are counted apart on purpose: the reader may read ahead of free workers
 * (bigger reads, fewer round trips), while {@code max-in-flight} still caps how many handler calls
 * run at once, which is what a downstream service sees. Held entries are in {@link #deliveries},
 * so their claims are renewed while they wait.
 */
final class Bulkhead {

    final Map<String, Delivery> deliveries = new ConcurrentHashMap<>();
    final Semaphore running;

    Bulkhead(int maxInFlight) {
        this.running = new Semaphore(maxInFlight);
    }
}
