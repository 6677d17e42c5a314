package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.eventbus.runtime.ops.SubscriptionStatus;

/**
 * One handler's figures on a partitioned stream, summed over its partitions and labelled with the
 * logical name: what a dashboard or an autoscaler asks about {@code orders}, not {@code {orders:3/8}}.
 * A sum with one partition whose lag Redis cannot tell is NaN, like that partition's lag.
 *
 * <p>Thread-safe: the poller replaces the whole sum at once; gauges read the latest.
 */
final class LogicalSums {

    private volatile Sum last;

    private LogicalSums(Sum first) {
        last = first;
    }

    /** Registers the gauges of this handler and logical stream, reading the sums set later. */
    static LogicalSums register(MetricRegistry registry, Sum first) {
        LogicalSums sums = new LogicalSums(first);
        String[] labels = {MetricNames.L_HANDLER, first.handler, MetricNames.L_STREAM, first.stream};
        gauge(registry, MetricNames.name(MetricNames.LOGICAL_LAG, labels), () -> sums.last.lag);
        gauge(registry, MetricNames.name(MetricNames.LOGICAL_PENDING, labels), () -> sums.last.pending);
        gauge(registry, MetricNames.name(MetricNames.LOGICAL_WORKABLE, labels), () -> sums.last.workable);
        return sums;
    }

    private static void gauge(MetricRegistry registry, String name, Gauge<?> gauge) {
        registry.gauge(name, () -> gauge);
    }

    void set(Sum sum) {
        last = sum;
    }

    /** A sum being added up during one poll. Not thread-safe: one poll fills it. */
    static final class Sum {
        final String handler;
        final String stream;
        double lag;
        long pending;
        double workable;

        Sum(String handler, String stream) {
            this.handler = handler;
            this.stream = stream;
        }

        void add(SubscriptionStatus status, boolean waitingOnCircuit) {
            lag += status.lag() < 0 ? Double.NaN : status.lag();
            pending += status.pending();
            workable += ScaleSignal.workable(status, waitingOnCircuit);
        }
    }
}
