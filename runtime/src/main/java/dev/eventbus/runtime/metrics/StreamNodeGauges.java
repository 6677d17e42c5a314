package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.eventbus.runtime.consumer.StreamNode;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where each stream lives, on Redis Cluster and Sentinel, as Prometheus "info" gauges:
 * {@link MetricNames#STREAM_NODE} is 1 for the node (host:port) that serves the stream now and 0
 * for one it left, so a failover or a moved slot shows as one series falling and another rising;
 * {@link MetricNames#STREAM_FOLLOWING} is 1 while the client follows such a change. The client's
 * own topology view is read, no Redis command is sent. On one node there is nothing to say.
 */
final class StreamNodeGauges {

    private final MetricRegistry registry;
    private final Supplier<Collection<String>> streams;
    private final Function<String, Optional<StreamNode>> nodes;
    private final Map<String, AtomicLong> series = new ConcurrentHashMap<>();

    StreamNodeGauges(
            MetricRegistry registry,
            Supplier<Collection<String>> streams,
            Function<String, Optional<StreamNode>> nodes) {
        this.registry = registry;
        this.streams = streams;
        this.nodes = nodes;
    }

    void update() {
        series.values().forEach(n -> n.set(0));
        for (String stream : streams.get()) {
            nodes.apply(stream).ifPresent(node -> {
                gauge(MetricNames.name(
                                MetricNames.STREAM_NODE,
                                MetricNames.L_STREAM,
                                stream,
                                MetricNames.L_NODE,
                                node.address()))
                        .set(1);
                gauge(MetricNames.name(MetricNames.STREAM_FOLLOWING, MetricNames.L_STREAM, stream))
                        .set(node.following().isEmpty() ? 0 : 1);
            });
        }
    }

    private AtomicLong gauge(String name) {
        return series.computeIfAbsent(name, n -> {
            AtomicLong value = new AtomicLong();
            registry.gauge(n, () -> (Gauge<Long>) value::get);
            return value;
        });
    }
}
