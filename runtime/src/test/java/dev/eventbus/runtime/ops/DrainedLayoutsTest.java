package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.producer.PartitionedStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainedLayoutsTest {

    private static SubscriptionStatus on(String key, long lag, long pending) {
        return on("h", key, lag, pending);
    }

    private static SubscriptionStatus on(String handler, String key, long lag, long pending) {
        return new SubscriptionStatus(handler, key, 1, 0, pending, lag, -1, "0-0", 0, 0, 0, "dlq:h", 0, 0, "ok");
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
                List.of("stream orders: the old layout of 2 partitions is draining: entries undelivered or pending "
                        + "(3 for h); keep it in eventbus.streams.orders.draining"),
                DrainedLayouts.notes(DRAINING, List.of(on("{orders:0/2}", 2, 0), on("{orders:1/2}", 0, 1))));
        assertEquals(
                List.of("stream orders: the old layout of 2 partitions is draining: nothing pending, lag unknown on "
                        + "some partition; keep it in eventbus.streams.orders.draining"),
                DrainedLayouts.notes(DRAINING, List.of(on("{orders:0/2}", -1, 0))));
        assertEquals(
                List.of("stream orders: the old layout of 2 partitions is draining: entries undelivered or pending "
                        + "(1 for h; lag unknown on some partition); keep it in eventbus.streams.orders.draining"),
                DrainedLayouts.notes(DRAINING, List.of(on("{orders:0/2}", -1, 0), on("{orders:1/2}", 0, 1))));
    }

    /** Two handlers each owe the layout's 5 entries: told per handler, not as 10 entries. */
    @Test
    void whatIsLeftIsToldPerHandlerNotSummedOverThem() {
        assertEquals(
                List.of("stream orders: the old layout of 2 partitions is draining: entries undelivered or pending "
                        + "(5 for event-logger, 5 for mark-order-paid); keep it in eventbus.streams.orders.draining"),
                DrainedLayouts.notes(
                        DRAINING,
                        List.of(
                                on("mark-order-paid", "{orders:0/2}", 3, 0),
                                on("event-logger", "{orders:0/2}", 2, 1),
                                on("mark-order-paid", "{orders:1/2}", 0, 2),
                                on("event-logger", "{orders:1/2}", 2, 0))));
    }
}
