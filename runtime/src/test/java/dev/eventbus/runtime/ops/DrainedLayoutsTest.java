package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.producer.PartitionedStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainedLayoutsTest {

    private static SubscriptionStatus on(String key, long lag, long pending) {
        return new SubscriptionStatus("h", key, 1, 0, pending, lag, -1, "0-0", 0, 0, 0, "dlq:h", 0, 0, "ok");
    }

    private static final Map<String, List<PartitionedStream>> DRAINING =
            Map.of("orders", List.of(new PartitionedStream("orders", 2)));

    @Test
    void anOldLayoutWithNothingLeftCanBeRemoved() {
        assertEquals(
                List.of("stream orders: the old layout of 2 partitions is drained: remove 2 from "
                        + "eventbus.streams.orders.draining"),
                DrainedLayouts.notes(
                        DRAINING,
                        List.of(on("{orders:0/2}", 0, 0), on("{orders:1/2}", 0, 0), on("{orders:0/4}", 9, 3))));
    }

    @Test
    void lagOrPendingOnAnyOldPartitionKeepsIt() {
        assertEquals(
                List.of("stream orders: the old layout of 2 partitions is draining: 3 entries undelivered or "
                        + "pending; keep it in eventbus.streams.orders.draining"),
                DrainedLayouts.notes(DRAINING, List.of(on("{orders:0/2}", 2, 0), on("{orders:1/2}", 0, 1))));
        assertEquals(
                List.of("stream orders: the old layout of 2 partitions is draining: 0 entries undelivered or "
                        + "pending (lag unknown on some partition); keep it in eventbus.streams.orders.draining"),
                DrainedLayouts.notes(DRAINING, List.of(on("{orders:0/2}", -1, 0))));
    }
}
