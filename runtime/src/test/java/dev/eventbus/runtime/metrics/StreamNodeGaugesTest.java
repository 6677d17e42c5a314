package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import dev.eventbus.runtime.consumer.StreamNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StreamNodeGaugesTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final Map<String, StreamNode> where = new HashMap<>();
    private final StreamNodeGauges gauges =
            new StreamNodeGauges(registry, () -> List.of("orders", "wallet"), s -> Optional.ofNullable(where.get(s)));

    private Object value(String family, String... labels) {
        Gauge<?> g = registry.getGauges().get(MetricNames.name(family, labels));
        return g == null ? null : g.getValue();
    }

    @Test
    void aFailoverShowsAsOneNodeFallingAndAnotherRisingWhileItIsFollowed() {
        where.put("orders", new StreamNode("10.0.0.7:7000", "master", ""));
        gauges.update();
        assertEquals(1L, value(MetricNames.STREAM_NODE, "stream", "orders", "node", "10.0.0.7:7000"));
        assertEquals(0L, value(MetricNames.STREAM_FOLLOWING, "stream", "orders"));
        assertEquals(null, value(MetricNames.STREAM_FOLLOWING, "stream", "wallet"), "no node known: no series");

        where.put("orders", new StreamNode("10.0.0.8:7003", "master", "followed a failover 2 s ago"));
        gauges.update();
        assertEquals(0L, value(MetricNames.STREAM_NODE, "stream", "orders", "node", "10.0.0.7:7000"));
        assertEquals(1L, value(MetricNames.STREAM_NODE, "stream", "orders", "node", "10.0.0.8:7003"));
        assertEquals(1L, value(MetricNames.STREAM_FOLLOWING, "stream", "orders"));
        assertTrue(registry.getGauges().keySet().stream().noneMatch(n -> n.contains("wallet")));
    }
}
