package dev.eventbus.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.redis.RedisCluster;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** On a real Redis Cluster: partitions spread over the primaries, and derived keys share their partition's slot. */
class EventPublisherClusterIT {

    @Test
    void partitionsSpreadOverPrimariesAndEveryEventLands() {
        PartitionedStream orders = new PartitionedStream("orders", 8);
        try (RedisCluster cluster =
                RedisCluster.start(new RedisCluster.Options(3, 0, Duration.ofSeconds(1), List.of()))) {
            Set<Integer> primaries = new HashSet<>();
            for (String key : orders.keys()) {
                primaries.add(cluster.primaryOf(key).port());
                assertEquals(
                        cluster.slot(key),
                        cluster.slot("eventbus:retry:audit:" + key),
                        "a key the runtime derives by a prefix stays in its partition's slot");
            }
            assertEquals(3, primaries.size(), "the 8 partitions of 'orders' land on all 3 primaries");

            RedisClusterClient client = RedisClusterClient.create(
                    cluster.seedUris().stream().map(RedisURI::create).toList());
            try (StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
                EventPublisher publisher = new EventPublisher(connection.sync(), List.of(orders));
                for (int i = 0; i < 200; i++) {
                    publisher.publish("orders", OutgoingEvent.of("order.placed").subject("order-" + i));
                }
                long total = 0;
                for (String key : orders.keys()) {
                    total += connection.sync().xlen(key.getBytes(StandardCharsets.UTF_8));
                }
                assertEquals(200, total);
            } finally {
                client.shutdown();
            }
        }
    }
}
