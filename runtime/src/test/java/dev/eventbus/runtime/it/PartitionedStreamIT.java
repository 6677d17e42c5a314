package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.producer.PublishedEntry;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Unordered consumption of a partitioned stream: the handler subscribes to the logical name and
 * reads every partition with its group (ordered handlers: PartitionOwnershipIT).
 */
class PartitionedStreamIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 4);

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    @Test
    void eventsPublishedAcrossFourPartitionsAreAllHandledNoneLost() throws Exception {
        EventbusRuntime runtime = env.start("part-1", Map.of("eventbus.streams.it-stream.partitions", 4));
        assertEquals(
                Set.copyOf(STREAM.keys()),
                Set.copyOf(runtime.view().subscriptions().stream()
                        .map(Subscription::stream)
                        .toList()),
                "one subscription per partition, none on the logical name's own key");

        Set<String> expected = new HashSet<>();
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            EventPublisher publisher = new EventPublisher(connection.sync(), List.of(STREAM));
            for (int i = 0; i < 220; i++) {
                OutgoingEvent event = OutgoingEvent.of("it.recorded");
                PublishedEntry entry = publisher.publish("it-stream", i < 200 ? event.subject("order-" + i) : event);
                expected.add("recorder/" + entry.key() + "/" + entry.id());
            }
        } finally {
            client.shutdown();
        }
        Streams.await(
                "all 220 handled",
                Duration.ofSeconds(30),
                () -> env.orders().distinctKeys().size() >= 220);
        assertEquals(expected, env.orders().distinctKeys(), "each event handled, on its partition");

        try (FailFastRedis redis = new FailFastRedis(runtime.config().redis())) {
            Streams.await(
                    "nothing pending",
                    Duration.ofSeconds(10),
                    () -> new StatusReader(redis, "eventbus:dlq:", Clock.systemUTC())
                                    .all("recorder").stream()
                                            .mapToLong(SubscriptionStatus::pending)
                                            .sum()
                            == 0);
            List<SubscriptionStatus> status =
                    new StatusReader(redis, "eventbus:dlq:", Clock.systemUTC()).all("recorder");
            assertEquals(
                    STREAM.keys(),
                    status.stream().map(SubscriptionStatus::stream).toList(),
                    "status shows each partition");
            for (int p = 0; p < 4; p++) {
                assertTrue(redis.bytes().xlen(STREAM.key(p).getBytes()) > 0, "partition " + p + " received events");
            }
        }
    }
}
