package dev.eventbus.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.eventbus.redis.RedisServer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real redis-server: where entries land and what they hold. */
class EventPublisherIT {

    private static RedisServer server;
    private static RedisClient client;
    private static StatefulRedisConnection<byte[], byte[]> connection;

    @BeforeAll
    static void start() {
        server = RedisServer.start();
        client = RedisClient.create(server.uri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
    }

    @AfterAll
    static void stop() {
        connection.close();
        client.shutdown();
        server.close();
    }

    @Test
    void eachSubjectGoesToItsPartitionAndEventsWithoutOneGoInTurn() {
        PartitionedStream orders = new PartitionedStream("orders", 4);
        EventPublisher publisher = new EventPublisher(connection.sync(), List.of(orders));
        for (int i = 0; i < 40; i++) {
            publisher.publish(
                    "orders",
                    OutgoingEvent.of("order.placed").subject("order-" + i).data("{\"n\":" + i + "}"));
        }
        for (int i = 0; i < 8; i++) {
            publisher.publish("orders", OutgoingEvent.of("order.tick"));
        }

        int total = 0;
        for (int p = 0; p < 4; p++) {
            int ticks = 0;
            for (StreamMessage<byte[], byte[]> entry :
                    connection.sync().xrange(bytes(orders.key(p)), Range.create("-", "+"))) {
                Map<String, String> fields = text(entry.getBody());
                if (fields.get("type").equals("order.tick")) {
                    ticks++;
                    assertNull(fields.get("subject"));
                } else {
                    assertEquals(
                            p,
                            SubjectHash.partition(fields.get("subject"), 4),
                            "entry in the wrong partition: " + fields);
                }
                total++;
            }
            assertEquals(2, ticks, "events without a subject go to the partitions in turn");
        }
        assertEquals(48, total);
    }

    @Test
    void writesTheWireFormatAndLeavesUnpartitionedStreamsAlone() {
        EventPublisher publisher = new EventPublisher(connection.sync(), List.of());
        PublishedEntry published = publisher.publish(
                "wallet",
                OutgoingEvent.of("wallet.topup")
                        .subject("w-1")
                        .data("{}")
                        .field("id", "evt-1")
                        .field("x-tenant", "acme"));
        assertEquals("wallet", published.key());
        String id = published.id();
        List<StreamMessage<byte[], byte[]>> entries = connection.sync().xrange(bytes("wallet"), Range.create(id, id));
        assertEquals(
                Map.of("type", "wallet.topup", "subject", "w-1", "id", "evt-1", "x-tenant", "acme", "data", "{}"),
                text(entries.get(0).getBody()));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> text(Map<byte[], byte[]> body) {
        Map<String, String> out = new HashMap<>();
        body.forEach((k, v) -> out.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)));
        return out;
    }
}
