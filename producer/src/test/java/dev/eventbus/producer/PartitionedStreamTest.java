package dev.eventbus.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionedStreamTest {

    @Test
    void partitionKeysAreHashTagsNamingStreamPartitionAndCount() {
        PartitionedStream orders = new PartitionedStream("orders", 4);
        assertEquals(List.of("{orders:0/4}", "{orders:1/4}", "{orders:2/4}", "{orders:3/4}"), orders.keys());
        assertEquals("{orders:4/8}", new PartitionedStream("orders", 8).keyOf("order-17")); // README vector
    }

    @Test
    void nameAndCountAreChecked() {
        assertEquals(
                "stream 'orders': partitions must be in 1..1024, was 0",
                assertThrows(IllegalArgumentException.class, () -> new PartitionedStream("orders", 0))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PartitionedStream("orders", 1025));
        assertThrows(IllegalArgumentException.class, () -> new PartitionedStream("or{ders}", 2));
        assertThrows(IllegalArgumentException.class, () -> new PartitionedStream(" ", 2));
        assertThrows(IndexOutOfBoundsException.class, () -> new PartitionedStream("orders", 2).key(2));
    }
}
