package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.eventbus.runtime.ownership.InstanceRegistry.LiveInstance;
import dev.eventbus.runtime.ownership.OwnershipView;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The live instances as gauges: {@link MetricNames#INSTANCES_LIVE}, and per instance the partitions
 * it owns ({@link MetricNames#OWNED_PARTITIONS}, among those of this runtime's ordered handlers, on
 * every partition layout a live instance runs: see {@code OwnershipCoordinator#view}).
 * An instance seen once keeps its gauge, at 0 once it is gone, so a scrape sees it leave rather
 * than a series that stops. Updated by the subscription poller's loop, one update at a time.
 */
final class InstanceGauges {

    private final MetricRegistry registry;
    private final Supplier<OwnershipView> ownership;
    private final AtomicLong live = new AtomicLong();
    private final Map<String, AtomicLong> owned = new ConcurrentHashMap<>();

    InstanceGauges(MetricRegistry registry, Supplier<OwnershipView> ownership) {
        this.registry = registry;
        this.ownership = ownership;
        registry.gauge(MetricNames.INSTANCES_LIVE, () -> (Gauge<Long>) live::get);
    }

    /** Reads the registry and the leases; a failure is thrown to the poller, which counts it. */
    void update() {
        OwnershipView view = ownership.get();
        live.set(view.instances().size());
        owned.values().forEach(n -> n.set(0));
        for (LiveInstance i : view.instances()) {
            gauge(i.id()).set(view.ownedBy(i.id()).size());
        }
    }

    private AtomicLong gauge(String instance) {
        return owned.computeIfAbsent(instance, id -> {
            AtomicLong n = new AtomicLong();
            registry.gauge(MetricNames.name(MetricNames.OWNED_PARTITIONS, MetricNames.L_INSTANCE, id), () ->
                    (Gauge<Long>) n::get);
            return n;
        });
    }
}
