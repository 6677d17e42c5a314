package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.producer.PublishedEntry;
import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Start-up with a frozen Redis Cluster primary (README, "Redis Cluster and Sentinel"): one of the
 * three primaries is stopped with SIGSTOP just before the runtime starts, so connections to it open
 * but nothing answers, and the cluster fails it over to its replica while the runtime starts. The
 * runtime, assembled as {@code eventbus run} assembles it (admin surface first), still starts: the
 * partitions on the other primaries are handled while it builds the rest, {@code /health/live}
 * answers 200 all along, and every event, the frozen primary's partitions' too, is handled once its
 * replica is promoted, with nothing left pending.
 *
 * <p>The cluster runs with Redis's default node timeout, 15 s, for this test (the class's other
 * cluster tests use 1 s): with 1 s the frozen node is failed over before the runtime's first
 * topology load ends (it waits the 10 s command timeout for the frozen seed), the runtime then sees
 * it as a failing primary without slots and never waits for it, and neither the bounded wait for a
 * primary ({@code ClusterConnectionOpener.PRIMARIES_WAIT}) nor the subscriptions starting in groups
 * while the others build ({@code EventbusRuntime.START_TOGETHER_WITHIN}, a built one counting as
 * live) would be exercised. With 15 s the runtime's view lists the frozen node as a healthy primary
 * with slots: the topology load and the start-up check wait 10 s each for it, then each connection
 * its 1 s, and the subscriptions start in groups. The promotion cannot be held back instead: a
 * failing primary not replaced makes the whole cluster answer CLUSTERDOWN (full coverage required,
 * the default).
 *
 * <p>One test, since it freezes a node of the class's cluster.
 */
class ClusterFrozenPrimaryStartIT {

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 8);
    private static final String GROUP = "recorder";
    private static final int EVENTS = 160;
    /**
     * A first event of another primary's partition is handled within this of the start: about 24 s
     * measured, nearly all of it timers (the topology load and the start-up check wait the 10 s
     * command timeout each for the frozen node, the connection for commands 1 s, then each
     * subscription's connection 1 s, and the first subscriptions start once building took over 2 s).
     * Before the fix (every connection waited for the frozen node's handshake, the subscriptions
     * started together once all were built) about 36 s; with only the wait for the primaries at 10
     * s, about 40 s.
     */
    private static final Duration FIRST_WITHIN = Duration.ofSeconds(30);

    /** Every event of the other primaries' partitions is handled within this of the start: about 29 s measured. */
    private static final Duration OTHERS_WITHIN = Duration.ofSeconds(40);

    /** Redis's default {@code cluster-node-timeout}: the frozen node is failed over 15-20 s after it froze. */
    private static final String NODE_TIMEOUT_MILLIS = "15000";

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with(GROUP, RecordingHandler.class);

    private RedisServer frozen;
    private AdminSurface admin;
    private EventbusRuntime runtime;
    private CompletableFuture<Void> started;
    private final AtomicBoolean probing = new AtomicBoolean(true);

    @AfterEach
    void tearDown() {
        probing.set(false);
        if (frozen != null) {
            frozen.resume(); // never leak a stopped redis-server, whatever failed
        }
        nodeTimeout(ENV.cluster(), "1000");
        if (started != null) {
            started.orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> null).join();
        }
        if (admin != null) {
            admin.stopping();
        }
        if (runtime != null) {
            runtime.stop();
        }
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aRuntimeStartedWhileAPrimaryIsFrozenReadsTheOtherPrimariesSoonStaysLiveAndLosesNothing() throws Exception {
        RedisCluster cluster = ENV.cluster();
        Map<String, RedisServer> primaryOf = new HashMap<>();
        for (String key : STREAM.keys()) {
            primaryOf.put(key, cluster.primaryOf(key));
        }
        assertEquals(3, Set.copyOf(primaryOf.values()).size(), "the partitions lie on all three primaries");
        frozen = primaryOf.get(STREAM.key(0));

        Set<String> expected = new HashSet<>();
        Set<String> onOthers = new HashSet<>();
        try (StatefulRedisClusterConnection<byte[], byte[]> connection =
                ENV.client().connect(ByteArrayCodec.INSTANCE)) {
            EventPublisher publisher = new EventPublisher(connection.sync(), List.of(STREAM));
            for (int i = 0; i < EVENTS; i++) {
                PublishedEntry entry = publisher.publish(
                        STREAM.name(), OutgoingEvent.of("it.recorded").subject("order-" + i));
                String key = GROUP + "/" + entry.key() + "/" + entry.id();
                expected.add(key);
                if (!primaryOf.get(entry.key()).equals(frozen)) {
                    onOthers.add(key);
                }
            }
        }
        assertTrue(
                !onOthers.isEmpty() && onOthers.size() < expected.size(),
                "events on the frozen primary's partitions and on the others'");

        nodeTimeout(cluster, NODE_TIMEOUT_MILLIS);
        frozen.pause();
        long start = System.nanoTime();
        admin = new AdminSurface(config(), Clock.systemUTC());
        runtime = admin.newRuntime();
        admin.start(runtime); // as `eventbus run`: the admin servers answer while the runtime starts
        AtomicInteger probes = new AtomicInteger();
        ConcurrentLinkedQueue<String> notLive = probeLiveness(admin.httpPort(), probes);
        started = CompletableFuture.runAsync(
                runtime::start, r -> Thread.ofPlatform().name("frozen-it-start").start(r));

        Streams.await(
                "a first event handled",
                FIRST_WITHIN,
                () -> ENV.orders().distinctKeys().stream().anyMatch(onOthers::contains));
        double first = seconds(start);
        // Subscriptions built over more than START_TOGETHER_WITHIN start in groups: the first read
        // while the runtime still connects the others.
        assertTrue(!started.isDone(), "the first subscriptions read while start-up still built the others");
        Streams.await(
                "the events on the other primaries' partitions handled",
                OTHERS_WITHIN,
                () -> ENV.orders().distinctKeys().containsAll(onOthers));
        double others = seconds(start);

        cluster.awaitFailover(frozen, Duration.ofSeconds(30));
        RedisServer promoted = cluster.primaryOf(STREAM.key(0));
        assertNotEquals(frozen, promoted, "the frozen primary's replica promoted");
        Streams.await(
                "every event handled, the frozen primary's partitions' too",
                Duration.ofSeconds(40),
                () -> ENV.orders().distinctKeys().containsAll(expected));
        double all = seconds(start);
        assertEquals(expected, ENV.orders().distinctKeys(), "each event handled, once per idempotency key");

        // The topology from the promoted node only: a client asking every node waits for the frozen one.
        RedisClusterClient client = RedisClusterClient.create(RedisURI.create(promoted.uri()));
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .dynamicRefreshSources(false)
                        .build())
                .build());
        try (StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            Streams.await(
                    "the group's pending list empty on every partition",
                    Duration.ofSeconds(15),
                    () -> Streams.pending(connection.sync(), STREAM, GROUP) == 0);
        } finally {
            client.shutdown();
        }
        started.get(10, TimeUnit.SECONDS);
        assertTrue(runtime.view().isReady() && runtime.view().readersAlive(), "started, every reader reading");
        probing.set(false);
        assertTrue(probes.get() >= 10, "/health/live asked all along, " + probes.get() + " times");
        assertEquals(List.of(), List.copyOf(notLive), "/health/live answered 200 all along");
        System.out.printf(
                "frozen primary at start: first event handled %.1f s after start, the other primaries' partitions"
                        + " %.1f s, every event %.1f s%n",
                first, others, all);
    }

    /** Sets {@code cluster-node-timeout} on every node that answers (a frozen one is skipped). */
    private static void nodeTimeout(RedisCluster cluster, String millis) {
        for (RedisServer node : cluster.nodes()) {
            if (!node.isRunning() || node.isPaused()) {
                continue;
            }
            RedisClient client = RedisClient.create(RedisURI.create(node.uri()));
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                connection.sync().configSet("cluster-node-timeout", millis);
            } finally {
                client.shutdown();
            }
        }
    }

    private static RuntimeConfig config() {
        Map<String, Object> settings = new HashMap<>(ClusterFixture.QUICK_RECOVERY);
        settings.put("eventbus.redis.uri", ENV.uri());
        settings.put("eventbus.plugins-dir", ENV.plugins().toString());
        settings.put("eventbus.consumer-name", "frozen-it");
        settings.put("eventbus.consumer.shutdown-grace", "5s");
        settings.put(
                "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                ENV.orders().target());
        settings.put("eventbus.streams.it-stream.partitions", STREAM.partitions());
        settings.put("eventbus.admin.http-port", 0);
        settings.put("eventbus.admin.grpc-port", -1);
        settings.put("eventbus.admin.audit-log", ENV.dir().resolve("audit.log").toString());
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings));
    }

    /**
     * Asks {@code /health/live} every 200 ms until the test ends; each answer other than 200 (or none
     * within 5 s) is recorded with the time since the probing began.
     */
    private ConcurrentLinkedQueue<String> probeLiveness(int port, AtomicInteger probes) {
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        URI live = URI.create("http://127.0.0.1:" + port + "/health/live");
        long since = System.nanoTime();
        Thread.ofVirtual().name("frozen-it-liveness").start(() -> {
            try (HttpClient http = HttpClient.newHttpClient()) {
                while (probing.get()) {
                    String failure;
                    try {
                        HttpResponse<String> r = http.send(
                                HttpRequest.newBuilder(live)
                                        .timeout(Duration.ofSeconds(5))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        failure = r.statusCode() == 200 ? null : r.statusCode() + " " + r.body();
                    } catch (Exception e) {
                        failure = "no answer: " + e;
                    }
                    if (probing.get()) {
                        probes.incrementAndGet();
                        if (failure != null) {
                            failures.add(String.format("%.1f s: %s", seconds(since), failure));
                        }
                    }
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return failures;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
