package dev.eventbus.runtime.dispatch;

import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timeout watchdog: one pass over every running handler call every {@value #PERIOD_MS} ms,
 * instead of a timer per event. A call past its handler's timeout is interrupted; one that ignores
 * the interrupt past {@code abandon-after} is abandoned: its entry fails as a timeout now, while
 * its worker keeps its slot until it really ends, so the in-flight limit caps the damage. Each pass
 * also lets a subscription's {@link WorkerPool} add workers when its queue did not move while a
 * handler ran for longer than a pass.
 *
 * <p>A pass that comes far later than its period ({@value #PAUSE_MS} ms or more after the one
 * before) means the whole process was paused (SIGSTOP, a frozen or suspended VM, a long GC or
 * safepoint pause): the handlers were stopped with it, so that time is not counted against their
 * timeouts nor their abandon-after (each is charged one period of it, what a pass would have seen);
 * the pause is logged once instead of blaming a handler for it. The timer thread runs nothing but
 * this, and a pass only reads and hands failures on, so a late pass is not a slow one.
 *
 * <p>Thread-safe: {@link #check()} runs on the timer thread, one pass at a time.
 */
final class Watchdog {

    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    /** How often running handlers are checked against their timeouts (the precision of a timeout). */
    static final long PERIOD_MS = 50;

    /** A gap between two passes from which on the process counts as paused (20 periods). */
    static final long PAUSE_MS = 1000;

    private final Supplier<Collection<HeldEntries>> held;
    private final OnFailure onFailure;
    private final AbandonedWorkers abandoned;
    private final LongSupplier nanoTime;

    /** When the last pass began, or {@link Long#MIN_VALUE} before the first; the timer thread's. */
    private long lastPass = Long.MIN_VALUE;

    /** @param held every subscription's held entries and workers, looked at on each pass */
    Watchdog(
            Supplier<Collection<HeldEntries>> held,
            OnFailure onFailure,
            AbandonedWorkers abandoned,
            LongSupplier nanoTime) {
        this.held = held;
        this.onFailure = onFailure;
        this.abandoned = abandoned;
        this.nanoTime = nanoTime;
    }

    void start(ScheduledExecutorService timers) {
        timers.scheduleWithFixedDelay(this::check, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    /** One pass; never throws (a failed pass is logged, the next one comes all the same). */
    void check() {
        try {
            long now = nanoTime.getAsLong();
            long periodNanos = TimeUnit.MILLISECONDS.toNanos(PERIOD_MS);
            long since = lastPass;
            lastPass = now;
            boolean paused = since != Long.MIN_VALUE && now - since >= TimeUnit.MILLISECONDS.toNanos(PAUSE_MS);
            if (paused) {
                LOG.warn(
                        "the process was paused for {} s (SIGSTOP, a frozen or suspended VM, a long GC pause): "
                                + "that time does not count against the timeouts of the handler calls in flight",
                        String.format(Locale.ROOT, "%.1f", (now - since - periodNanos) / 1e9));
            }
            for (HeldEntries b : held.get()) {
                boolean busy = !b.abandoned.isEmpty();
                for (Delivery d : b.deliveries.values()) {
                    if (paused) {
                        d.paused(since, now, periodNanos);
                    }
                    busy |= d.inHandlerLongerThan(now, periodNanos);
                    if (d.check(now)) {
                        abandon(d);
                    }
                }
                b.workers.unstick(busy);
            }
        } catch (Throwable t) {
            LOG.warn("timeout watchdog: {}", t.toString());
        }
    }

    /**
     * The worker ignored its interrupt past abandon-after: the entry fails as a timeout now, while
     * the worker keeps its slot until it really ends.
     */
    private void abandon(Delivery d) {
        Subscription sub = d.subscription();
        StreamEntry entry = d.entry();
        String handler = sub.handler().name();
        d.forget();
        d.abandoned();
        abandoned.abandoned(handler);
        LOG.error(
                "handler {} ignored the interrupt on {} {} for {}; worker abandoned, its slot stays taken "
                        + "until it ends",
                handler,
                entry.stream(),
                entry.id(),
                d.limits().abandonAfter());
        SubjectLanes lane = d.lanes();
        if (lane != null && d.event().subject() != null) {
            lane.abandoned(d.event().subject(), entry.id());
        }
        Resolution settles = resolved -> {
            if (resolved && lane != null) {
                lane.settledElsewhere(entry.id()); // its worker's own report, when it ends, cannot know
            }
        };
        onFailure.abandoned(sub, entry, d.event(), d.limits(), d, settles);
    }
}
