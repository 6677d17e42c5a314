package dev.eventbus.runtime.dispatch;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Workers abandoned after their timeout (they ignored the interrupt), per handler: how many since
 * start and how many still run. Each one still running keeps its in-flight slot, so a handler that
 * keeps hanging slowly loses its capacity; operators see it here first.
 *
 * <p>Thread-safe. Touched when a worker is abandoned and when it finally ends, never per event.
 */
public final class AbandonedWorkers {

    /** @param running abandoned and not ended yet; @param total since the runtime started */
    public record Count(long running, long total) {}

    private record Counters(AtomicLong running, AtomicLong total) {}

    private final Map<String, Counters> byHandler = new ConcurrentHashMap<>();

    void abandoned(String handler) {
        Counters c = byHandler.computeIfAbsent(handler, h -> new Counters(new AtomicLong(), new AtomicLong()));
        c.total().incrementAndGet();
        c.running().incrementAndGet();
    }

    /** An abandoned worker's handler call returned at last. */
    void ended(String handler) {
        Counters c = byHandler.get(handler);
        if (c != null) {
            c.running().decrementAndGet();
        }
    }

    public Count of(String handler) {
        Counters c = byHandler.get(handler);
        return c == null
                ? new Count(0, 0)
                : new Count(c.running().get(), c.total().get());
    }
}
