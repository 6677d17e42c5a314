package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import dev.eventbus.api.Event;
import dev.eventbus.runtime.internal.EntryIds;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts every delivery outcome per subscription (handler x stream). Lock-free on the event path:
 * one {@link ConcurrentHashMap#get} to find the subscription's meters (created once, on its first
 * event), then striped counters and lock-free reservoirs.
 *
 * <p>A handled event is counted once: the handled meter is also the count of both timers (handling
 * time and event age), as all three count the same events, and the timers' histograms keep no count
 * of their own ({@link MeterCountedHistogram}). Each mark of a meter costs a clock read and four
 * striped adds (the handled meter's, one striped add: {@link CountDerivedAverages}); a handled
 * event adds one clock read, which decides whether both reservoirs keep its values (at most 1,000
 * a second, {@link ThinnedReservoir}), and its age is worked out only then.
 */
public final class DeliveryMetrics implements DeliveryObserver {

    private final MetricRegistry registry;
    private final Clock clock;
    private final Map<String, SubscriptionMeters> meters = new ConcurrentHashMap<>();

    public DeliveryMetrics(MetricRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public void handled(Subscription sub, Event event, long nanos) {
        SubscriptionMeters m = of(sub);
        m.handled.mark(); // the count of both timers
        // One clock read decides for both reservoirs: an event's two values are kept together, and
        // its age is worked out only then.
        if (m.handlingNanos.sampleDue()) {
            m.handlingNanos.record(nanos);
            long appended = EntryIds.millis(event.entryId());
            m.eventAgeNanos.record(
                    appended > 0 ? TimeUnit.MILLISECONDS.toNanos(Math.max(0, clock.millis() - appended)) : 0);
        }
    }

    @Override
    public void failed(Subscription sub, Event event, Throwable error) {
        of(sub).failed.mark();
    }

    @Override
    public void retryScheduled(Subscription sub, StreamEntry entry, Duration delay) {
        of(sub).retried.mark();
    }

    @Override
    public void deadLettered(Subscription sub, StreamEntry entry, DeadLetterReason reason) {
        SubscriptionMeters m = of(sub);
        if (reason == DeadLetterReason.TRIMMED) {
            m.trimmed.mark();
        } else {
            m.deadLettered.get(reason).mark();
        }
    }

    @Override
    public void skipped(Subscription sub, Event event) {
        of(sub).skipped.mark();
    }

    private SubscriptionMeters of(Subscription sub) {
        SubscriptionMeters m = meters.get(sub.name());
        return m != null ? m : meters.computeIfAbsent(sub.name(), k -> new SubscriptionMeters(registry, sub));
    }

    /** Registers a subscription's metrics before its first event, so they show as zero. */
    public void register(Subscription sub) {
        of(sub);
    }

    private static final class SubscriptionMeters {
        final Meter handled;
        final Meter failed;
        final Meter retried;
        final Meter trimmed;
        final Meter skipped;
        final Map<DeadLetterReason, Meter> deadLettered = new EnumMap<>(DeadLetterReason.class);
        final MeterCountedHistogram handlingNanos;
        final MeterCountedHistogram eventAgeNanos;

        SubscriptionMeters(MetricRegistry registry, Subscription sub) {
            String[] labels = {
                MetricNames.L_HANDLER,
                sub.group(),
                MetricNames.L_STREAM,
                sub.stream(),
                MetricNames.L_PLUGIN,
                sub.handler().pluginId()
            };
            // Marked for every handled event: its rates come from its count, not from three adds a mark.
            handled = registry.meter(MetricNames.name(MetricNames.HANDLED, labels), CountDerivedAverages::meter);
            failed = registry.meter(MetricNames.name(MetricNames.FAILED, labels));
            retried = registry.meter(MetricNames.name(MetricNames.RETRIED, labels));
            trimmed = registry.meter(MetricNames.name(MetricNames.TRIMMED, labels));
            skipped = registry.meter(MetricNames.name(MetricNames.SKIPPED, labels));
            for (DeadLetterReason reason : DeadLetterReason.values()) {
                if (reason != DeadLetterReason.TRIMMED) {
                    String[] withReason = java.util.Arrays.copyOf(labels, labels.length + 2);
                    withReason[labels.length] = MetricNames.L_REASON;
                    withReason[labels.length + 1] = reason.wireName();
                    deadLettered.put(reason, registry.meter(MetricNames.name(MetricNames.DEAD_LETTERED, withReason)));
                }
            }
            // Both timers are updated through their histograms, not Timer.update, so the shared
            // meter is marked once per event; replaced if a registry outlives an earlier runtime, as
            // each must hold the histogram updated here.
            handlingNanos = registerCounted(registry, MetricNames.name(MetricNames.HANDLING_TIME, labels), handled);
            eventAgeNanos = registerCounted(registry, MetricNames.name(MetricNames.EVENT_AGE, labels), handled);
        }

        private static MeterCountedHistogram registerCounted(MetricRegistry registry, String name, Meter handled) {
            MeterCountedHistogram durations = Timers.countedBy(handled);
            registry.remove(name);
            registry.register(name, Timers.counting(handled, durations));
            return durations;
        }
    }
}
