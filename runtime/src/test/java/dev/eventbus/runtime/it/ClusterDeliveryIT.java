package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.ClusterRecordingHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime on a real Redis Cluster of three primaries and three replicas, through a
 * {@code redis-cluster://} URI: one handler's three streams, one on each primary, each with events
 * handled at once, retried, and dead-lettered. Every dead letter is in its stream's slot (written
 * and acknowledged in one script), nothing is left pending or scheduled.
 */
class ClusterDeliveryIT {

    private static final String HANDLER = "clustered";
    private static final int PER_STREAM = 30;

    @TempDir
    Path plugins;

    private RedisCluster cluster;
    private OrderServer orders;
    private EventbusRuntime runtime;
    private RedisClusterClient client;

    @BeforeEach
    void setUp() throws Exception {
        cluster = RedisCluster.start();
        orders = OrderServer.start(0);
        new PluginJarBuilder("clustered").version("1.0.0").extension(ClusterRecordingHandler.class).build(plugins);
        client = RedisClusterClient.create(cluster.seedUris().stream().map(RedisURI::create).toList());
    }

    @AfterEach
    void tearDown() {
        if (runtime != null) {
            runtime.stop();
        }
        client.shutdown();
        orders.close();
        cluster.close();
    }

    static String clusterUri(RedisCluster cluster) {
        return "redis-cluster://" + cluster.seedUris().stream().map(u -> u.substring("redis://".length()))
                .collect(Collectors.joining(","));
    }

    @Test
    void eventsOnStreamsOfAllThreePrimariesAreHandledRetriedAndDeadLetteredInTheirSlots() throws Exception {
        Set<Integer> primaries = new HashSet<>();
        for (String stream : ClusterRecordingHandler.STREAMS) {
            primaries.add(cluster.primaryOf(stream).port());
        }
        assertEquals(3, primaries.size(), "the streams lie on the three primaries");

        runtime = TestRuntimes.start(clusterUri(cluster), plugins, orders, "it-1", Map.of(
                "eventbus.handler-defaults.retry.backoff.initial", "50ms",
                "eventbus.handler-defaults.retry.backoff.max", "200ms",
                "eventbus.recovery.retry-poll-interval", "50ms"));

        Set<String> handled = new HashSet<>();
        Map<String, Set<String>> deadByStream = new HashMap<>();
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            RedisAdvancedClusterCommands<String, String> redis = connection.sync();
            for (String stream : ClusterRecordingHandler.STREAMS) {
                for (int i = 0; i < PER_STREAM; i++) {
                    String subject = stream + "-" + i;
                    Map<String, String> fields = new HashMap<>(Map.of("type", "it.recorded", "subject", subject));
                    if (i % 10 == 3) {
                        fields.put("fail", "never-again");
                        deadByStream.computeIfAbsent(stream, s -> new HashSet<>()).add(subject);
                    } else {
                        if (i % 5 == 1) {
                            fields.put("fail", "before-attempt-3");
                        }
                        handled.add(subject);
                    }
                    redis.xadd(stream, fields);
                }
            }

            Streams.await("every event handled", Duration.ofSeconds(60), () -> applied().containsAll(handled));
            for (String stream : ClusterRecordingHandler.STREAMS) {
                String dlq = "eventbus:dlq:{" + stream + "}:" + HANDLER;
                Streams.await("the dead letters of " + stream, Duration.ofSeconds(30),
                        () -> redis.xlen(dlq) == deadByStream.get(stream).size());
                assertEquals(cluster.slot(stream), cluster.slot(dlq), "in the stream's slot");
                Set<String> subjects = redis.xrange(dlq, io.lettuce.core.Range.create("-", "+")).stream()
                        .map(StreamMessage::getBody).map(b -> b.get("subject")).collect(Collectors.toSet());
                assertEquals(deadByStream.get(stream), subjects, stream);
                Streams.await("the pending list of " + stream + " empty", Duration.ofSeconds(30),
                        () -> redis.xpending(stream, HANDLER).getCount() == 0);
                Streams.await("no retry left on " + stream, Duration.ofSeconds(30),
                        () -> redis.zcard("eventbus:retry:{" + stream + "}:" + HANDLER + ":" + stream) == 0);
            }
            assertEquals(0L, redis.exists("eventbus:dlq:" + HANDLER), "no dead-letter stream of the one-node layout");
        }
        Map<String, Long> callsBySubject = orders.calls().stream().filter(ReceivedCall::applied)
                .collect(Collectors.groupingBy(ReceivedCall::orderId, Collectors.counting()));
        assertEquals(handled, callsBySubject.keySet(), "handled, and no dead-lettered event reached the service");
        assertTrue(runtime.isReady() && runtime.readersAlive());
    }

    private Set<String> applied() {
        return orders.calls().stream().filter(ReceivedCall::applied).map(ReceivedCall::orderId)
                .collect(Collectors.toSet());
    }
}
