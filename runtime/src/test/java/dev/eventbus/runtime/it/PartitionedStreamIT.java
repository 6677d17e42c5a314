package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.producer.PublishedEntry;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.OpsRedis;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unordered consumption of a partitioned stream: the handler subscribes to the logical name and
 * reads every partition with its group; an ordered handler is refused until partitions have owners.
 */
class PartitionedStreamIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 4);

    @TempDir
    Path plugins;

    private OrderServer orders;
    private EventbusRuntime runtime;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        orders = OrderServer.start(0);
        new PluginJarBuilder("recorder").version("1.0.0").extension(RecordingHandler.class).build(plugins);
    }

    @AfterEach
    void tearDown() {
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
    }

    @Test
    void eventsPublishedAcrossFourPartitionsAreAllHandledNoneLost() throws Exception {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "part-1", Map.of("eventbus.streams.it-stream.partitions", 4));
        assertEquals(Set.copyOf(STREAM.keys()),
                Set.copyOf(runtime.subscriptions().stream().map(Subscription::stream).toList()),
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
        Streams.await("all 220 handled", Duration.ofSeconds(30), () -> orders.distinctKeys().size() >= 220);
        assertEquals(expected, orders.distinctKeys(), "each event handled, on its partition");

        try (OpsRedis redis = new OpsRedis(runtime.config().redis())) {
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> new StatusReader(redis, "eventbus:dlq:", Clock.systemUTC())
                    .all("recorder").stream().mapToLong(SubscriptionStatus::pending).sum() == 0);
            List<SubscriptionStatus> status = new StatusReader(redis, "eventbus:dlq:", Clock.systemUTC()).all("recorder");
            assertEquals(STREAM.keys(), status.stream().map(SubscriptionStatus::stream).toList(), "status shows each partition");
            for (int p = 0; p < 4; p++) {
                assertTrue(redis.bytes().xlen(STREAM.key(p).getBytes()) > 0, "partition " + p + " received events");
            }
        }
    }

    @Test
    void anOrderedHandlerOnAPartitionedStreamIsRefusedSayingWhy() {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "part-2", Map.of("eventbus.streams.it-stream.partitions", 4,
                "eventbus.handlers.recorder.ordered-by-subject", true));
        assertTrue(runtime.subscriptions().isEmpty(), runtime.subscriptions().toString());
        List<String> reasons = runtime.pluginFailures().stream().map(PluginFailure::reason).toList();
        assertEquals(List.of("handler 'recorder': is ordered-by-subject and consumes partitioned stream 'it-stream': ordering "
                + "across partitions needs partition ownership, which this version does not have; set "
                + "eventbus.handlers.recorder.ordered-by-subject = false or consume an unpartitioned stream"), reasons);
    }
}
