package dev.eventbus.testkit.runtime;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.testkit.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the runtime reported about each entry for each handler, as its {@link DeliveryObserver}.
 * With {@code skipBackoff}, each scheduled retry moves the test clock by its backoff, so the retry
 * is due at once.
 *
 * <p>Thread-safe: the runtime reports from its worker threads.
 */
final class DeliveryLog implements DeliveryObserver {

    /** One handler's history of one entry. */
    static final class History {
        volatile int handled;
        volatile boolean skipped;
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final List<Duration> retries = new CopyOnWriteArrayList<>();
        volatile DeadLetterReason deadLettered;
        volatile String group;

        boolean settled() {
            return handled > 0 || skipped || deadLettered != null;
        }
    }

    private final Map<String, History> histories = new ConcurrentHashMap<>();
    private final TestClock clock;
    private final boolean skipBackoff;

    DeliveryLog(TestClock clock, boolean skipBackoff) {
        this.clock = clock;
        this.skipBackoff = skipBackoff;
    }

    /** @return the history so far of one entry for one handler (empty when nothing happened yet) */
    History of(String handler, String stream, String entryId) {
        return histories.computeIfAbsent(key(handler, stream, entryId), k -> new History());
    }

    @Override
    public void handled(Subscription s, Event e, long nanos) {
        History h = history(s, e.entryId());
        synchronized (h) {
            h.handled++;
        }
    }

    @Override
    public void failed(Subscription s, Event e, Throwable error) {
        history(s, e.entryId()).failures.add(error);
    }

    @Override
    public void retryScheduled(Subscription s, StreamEntry entry, Duration delay) {
        history(s, entry.id()).retries.add(delay);
        if (skipBackoff) {
            clock.advance(delay);
        }
    }

    @Override
    public void deadLettered(Subscription s, StreamEntry entry, DeadLetterReason reason) {
        history(s, entry.id()).deadLettered = reason;
    }

    @Override
    public void skipped(Subscription s, Event e) {
        history(s, e.entryId()).skipped = true;
    }

    private History history(Subscription s, String entryId) {
        History h = of(s.handler().name(), s.stream(), entryId);
        h.group = s.group();
        return h;
    }

    private static String key(String handler, String stream, String entryId) {
        return handler + "\u0000" + stream + "\u0000" + entryId;
    }
}
