package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.ops.DrainedLayouts;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Changing a stream's partition count from 2 to 4: with {@code draining = [2]} the runtime reads
 * the old layout's partitions, and starts on the new layout only once the handler's groups on the
 * old one drained, so each subject's events from before the change are handled before those from
 * after it although the two land in different partitions.
 */
class PartitionCountChangeIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private static final int SUBJECTS = 20;
    private static final int BEFORE = 10;
    private static final int AFTER = 10;

    @Test
    void everyEventHandledAndEachSubjectInOrderAcrossTheChange() throws Exception {
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            // Producers on the old count, then on the new one, before any runtime read either: the
            // new layout's events wait in Redis beside the old layout's, the worst case for order.
            publish(new EventPublisher(connection.sync(), List.of(new PartitionedStream("it-stream", 2))), 0, BEFORE);
            publish(
                    new EventPublisher(connection.sync(), List.of(new PartitionedStream("it-stream", 4))),
                    BEFORE,
                    BEFORE + AFTER);
        } finally {
            client.shutdown();
        }

        EventbusRuntime runtime = env.start(
                "change-1",
                Map.of(
                        "eventbus.streams.it-stream.partitions", 4,
                        "eventbus.streams.it-stream.draining", List.of(2),
                        "eventbus.recovery.drain-check-interval", "50ms",
                        // one event at a time per partition: within a partition, order is the stream's
                        "eventbus.handler-defaults.max-in-flight", 1,
                        "eventbus.consumer.read-ahead", 0));
        List<String> keys = runtime.view().subscriptions().stream()
                .map(Subscription::stream)
                .toList();
        assertEquals(
                List.of(
                        "{it-stream:0/2}",
                        "{it-stream:1/2}",
                        "{it-stream:0/4}",
                        "{it-stream:1/4}",
                        "{it-stream:2/4}",
                        "{it-stream:3/4}"),
                keys,
                "the old layout's partitions are read too");

        int total = SUBJECTS * (BEFORE + AFTER);
        Streams.await(
                "all handled",
                Duration.ofSeconds(60),
                () -> env.orders().calls().size() >= total);
        Map<String, List<Integer>> seen = new HashMap<>();
        for (ReceivedCall call : env.orders().calls()) {
            String[] parts = call.requestEventId().split("#");
            seen.computeIfAbsent(parts[0], s -> new ArrayList<>()).add(Integer.parseInt(parts[1]));
        }
        assertEquals(SUBJECTS, seen.size());
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < BEFORE + AFTER; i++) {
            expected.add(i);
        }
        seen.forEach((subject, order) -> assertEquals(expected, order, subject + ": every event once, in order"));
        assertEquals(total, env.orders().calls().size(), "no duplicates");
        assertEquals(total, env.orders().distinctKeys().size());

        try (FailFastRedis redis = new FailFastRedis(runtime.config().redis())) {
            StatusReader reader = new StatusReader(redis, "eventbus:dlq:", Clock.systemUTC());
            Streams.await(
                    "every group drained",
                    Duration.ofSeconds(10),
                    () -> reader.all("recorder").stream().allMatch(s -> s.pending() == 0 && s.lag() == 0));
            assertEquals(
                    List.of("stream it-stream: the old layout of 2 partitions is drained: remove 2 from "
                            + "eventbus.streams.it-stream.draining"),
                    DrainedLayouts.notes(runtime.config().drainingLayouts(), reader.all(null)),
                    "status says the old count can go");
        }
    }

    private static void publish(EventPublisher publisher, int from, int to) {
        for (int seq = from; seq < to; seq++) {
            for (int s = 0; s < SUBJECTS; s++) {
                String subject = "order-" + s;
                publisher.publish(
                        "it-stream",
                        OutgoingEvent.of("it.recorded").subject(subject).field("id", subject + "#" + seq));
            }
        }
    }
}
