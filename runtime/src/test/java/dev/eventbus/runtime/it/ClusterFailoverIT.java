package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime on a Redis Cluster of 3 primaries and 3 replicas: kill -9 of the primary that owns a
 * busy stream's slot, its replica promoted by the cluster, the same runtime follows by itself. The
 * oracle: every event Redis acknowledged with replication ({@code WAIT 1}) is handled, duplicates
 * carry the first delivery's idempotency key, and the group's pending list ends empty.
 */
class ClusterFailoverIT {

    private static final String STREAM = "it-stream";
    private static final String GROUP = "recorder";
    private static final int AFTER_FAILOVER = 150;

    @TempDir
    Path plugins;

    private RedisCluster cluster;
    private OrderServer orders;
    private EventbusRuntime runtime;
    private Producer producer;

    @BeforeEach
    void setUp() throws Exception {
        cluster = RedisCluster.start();
        orders = OrderServer.start(0);
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
    }

    @AfterEach
    void tearDown() {
        if (producer != null) {
            producer.close();
        }
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
        cluster.close();
    }

    @Test
    void killingThePrimaryOfABusyStreamLosesNothingReplicatedAndTheRuntimeFollows() throws Exception {
        runtime = TestRuntimes.start(
                ClusterDeliveryIT.clusterUri(cluster),
                plugins,
                orders,
                "it-1",
                Map.of(
                        // An acknowledgement lost with the old primary leaves its entry pending on the new
                        // one: the janitor takes it back after claim-idle (short here, to keep the test short).
                        "eventbus.recovery.claim-idle", "2s",
                        "eventbus.recovery.interval", "200ms",
                        "eventbus.handler-defaults.retry.backoff.initial", "50ms",
                        "eventbus.handler-defaults.retry.backoff.max", "500ms",
                        "eventbus.recovery.retry-poll-interval", "50ms"));
        producer = new Producer(cluster);
        producer.start();
        Streams.await("events flowing before the fault", Duration.ofSeconds(30), () -> orders.appliedCount() >= 100);

        long killedAt = System.nanoTime();
        RedisServer killed = cluster.killPrimaryOf(STREAM);
        cluster.awaitFailover(killed, Duration.ofSeconds(60));
        long promotedAt = System.nanoTime();
        RedisServer promoted = cluster.primaryOf(STREAM);
        assertNotEquals(killed.port(), promoted.port());
        // The promoted node has no replica left: from here on, acknowledged by it is the promise.
        producer.replicas = 0;
        int promisedAtFailover = producer.promised.size();

        Streams.await(
                AFTER_FAILOVER + " more events promised on the new primary",
                Duration.ofSeconds(60),
                () -> producer.promised.size() >= promisedAtFailover + AFTER_FAILOVER);
        producer.close();
        Set<String> promised = Set.copyOf(producer.promised);

        Streams.await(
                "every promised event handled",
                Duration.ofSeconds(90),
                () -> handledSubjects().containsAll(promised));
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create(promoted.uri()));
        try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
            Streams.await(
                    "the group's pending list empty",
                    Duration.ofSeconds(60),
                    () -> connection.sync().xpending(STREAM, GROUP).getCount() == 0);
            assertEquals(
                    0L, connection.sync().exists("eventbus:dlq:{" + STREAM + "}:" + GROUP), "nothing dead-lettered");
        } finally {
            client.shutdown();
        }

        Map<String, Set<String>> keysBySubject = orders.calls().stream()
                .collect(Collectors.groupingBy(
                        ReceivedCall::orderId, Collectors.mapping(ReceivedCall::idempotencyKey, Collectors.toSet())));
        keysBySubject.forEach((subject, keys) -> assertEquals(1, keys.size(), subject + " had keys " + keys));
        assertTrue(
                runtime.view().isReady() && runtime.view().readersAlive(),
                "the same runtime, never restarted, still reading");

        // For the README's fault table (no assertion on time: the machine may be busy).
        List<ReceivedCall> calls = orders.calls();
        System.out.printf(
                "cluster failover: produced %d, promised %d, handled %d, calls %d, duplicates %d,"
                        + " promotion seen by the test after %d ms%n",
                producer.next.get(),
                promised.size(),
                handledSubjects().size(),
                calls.size(),
                calls.size() - keysBySubject.size(),
                Duration.ofNanos(promotedAt - killedAt).toMillis());
    }

    private Set<String> handledSubjects() {
        return orders.calls().stream()
                .filter(ReceivedCall::applied)
                .map(ReceivedCall::orderId)
                .collect(Collectors.toSet());
    }

    /**
     * Publishes one event at a time straight to the primary of the stream's slot, each followed by
     * {@code WAIT} on that same node: an event whose XADD and WAIT both succeed is promised. After an
     * error it asks the cluster again which node is the primary. A failed event is not retried.
     */
    private static final class Producer implements AutoCloseable {

        final Set<String> promised = ConcurrentHashMap.newKeySet();
        volatile int replicas = 1;
        private final RedisCluster cluster;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger next = new AtomicInteger();
        private final Thread thread;
        private RedisClient client;

        Producer(RedisCluster cluster) {
            this.cluster = cluster;
            thread = new Thread(this::run, "cluster-it-producer");
        }

        void start() {
            thread.start();
        }

        private void run() {
            StatefulRedisConnection<String, String> connection = null;
            while (!stop.get()) {
                try {
                    if (connection == null) {
                        closeClient();
                        client = RedisClient.create(
                                RedisURI.create(cluster.primaryOf(STREAM).uri() + "?timeout=2s"));
                        connection = client.connect();
                    }
                    RedisCommands<String, String> redis = connection.sync();
                    String subject = "ev-" + next.getAndIncrement();
                    redis.xadd(STREAM, Map.of("type", "it.recorded", "subject", subject));
                    int required = replicas;
                    if (redis.waitForReplication(required, 2000) >= required) {
                        promised.add(subject);
                    }
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // The primary is gone, or not yet replaced: this event is not promised; ask again.
                    connection = null;
                    sleepQuietly();
                }
            }
            closeClient();
        }

        private void closeClient() {
            if (client != null) {
                client.shutdown();
                client = null;
            }
        }

        private static void sleepQuietly() {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            stop.set(true);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
