package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.redis.RedisSentinelSet;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.HealthChecks;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The runtime on a primary, a replica and three sentinels: kill -9 of the primary under load, the
 * replica promoted, the runtime's connections follow by themselves (no restart). The {@link
 * DeliveryOracle}: every event that Redis acknowledged with replication ({@code WAIT 1}) is handled,
 * duplicates carry the first delivery's idempotency key; and the group's pending list ends empty.
 */
class SentinelFailoverIT {

    private static final String STREAM = "it-stream";
    private static final String GROUP = "recorder";
    private static final int AFTER_FAILOVER = 150;

    @TempDir
    Path plugins;

    private final Logger followLog =
            (Logger) LoggerFactory.getLogger("dev.eventbus.runtime.consumer.SentinelPrimaryLog");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private RedisSentinelSet redis;
    private OrderServer orders;
    private EventbusRuntime runtime;
    private FaultProducer producer;

    @BeforeEach
    void setUp() throws Exception {
        logs.start();
        followLog.addAppender(logs);
        redis = RedisSentinelSet.start();
        orders = OrderServer.start(0);
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
    }

    @AfterEach
    void tearDown() {
        followLog.detachAppender(logs);
        if (producer != null) {
            producer.close();
        }
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
        redis.close();
    }

    @Test
    void killingThePrimaryUnderLoadLosesNothingReplicatedAndTheRuntimeFollowsTheNewPrimary() throws Exception {
        Map<String, Object> settings = new HashMap<>(Map.of(
                // An acknowledgement lost with the old primary leaves its entry pending on the new
                // one: the janitor takes it back after claim-idle (short here, to keep the test short).
                "eventbus.recovery.claim-idle", "2s",
                "eventbus.recovery.interval", "200ms",
                "eventbus.handler-defaults.retry.backoff.initial", "50ms",
                "eventbus.handler-defaults.retry.backoff.max", "500ms",
                "eventbus.recovery.retry-poll-interval", "50ms"));
        settings.put("eventbus.redis.reconnect.max-delay", "500ms");
        runtime = TestRuntimes.start(redis.uri(), plugins, orders, "it-1", settings);
        RedisServer first = redis.primary();

        DeliveryOracle oracle = new DeliveryOracle("sentinel: primary kill -9", orders, true);
        producer = new FaultProducer(STREAM, redis::uri, 1, oracle).start();
        Streams.await("events flowing before the fault", Duration.ofSeconds(20), () -> orders.appliedCount() >= 100);

        // Readiness as the admin server asks it: one client, connected before the fault.
        FailFastRedis watched = new FailFastRedis(runtime.config().redis());
        HealthChecks health = new HealthChecks(runtime.view(), watched, false, () -> true, Duration.ofMinutes(1));
        assertTrue(
                health.ready().checks().get("redis").startsWith("answers at"),
                health.ready().toString());
        List<String> readiness = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread watcher = Thread.ofVirtual().start(() -> {
            while (watching.get()) {
                readiness.add(health.ready().checks().get("redis"));
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
        });

        RedisServer killed;
        RedisServer promoted;
        try {
            killed = redis.killPrimary();
            oracle.faultNow(); // once the node is dead: what the producer publishes from here waits for the failover
            assertEquals(first, killed);
            promoted = redis.awaitFailover(killed, Duration.ofSeconds(60));
            producer.finishOnPromoted(AFTER_FAILOVER, Duration.ofSeconds(60));
        } finally {
            watching.set(false);
            watcher.join();
            watched.close();
        }
        // While the connection was down readiness said so, and that a failover is being followed.
        assertTrue(
                readiness.stream()
                        .anyMatch(r -> r.startsWith("does not answer")
                                && r.matches(".*; not connected for \\d+ s: following a failover")),
                readiness.toString());

        oracle.awaitSurvivorsHandled(Duration.ofSeconds(60), r -> List.of());
        try (Streams streams = new Streams(redis.uri())) {
            Streams.await(
                    "the group's pending list empty",
                    Duration.ofSeconds(30),
                    () -> streams.pending(STREAM, GROUP) == 0);
            assertEquals(0L, streams.redis().exists("eventbus:dlq:recorder"), "nothing dead-lettered");
        }
        oracle.assertVerdict();

        assertNotEquals(killed.port(), promoted.port());
        assertTrue(
                runtime.view().isReady() && runtime.view().readersAlive(),
                "the same runtime, never restarted, still reading");
        // The operator sees which node the streams are on now.
        OpsHarness.Cli status = OpsHarness.cliRaw("status", "--redis", redis.uri());
        assertEquals(0, status.exit(), status.toString());
        assertTrue(
                status.out()
                        .contains("streams on 127.0.0.1:" + promoted.port() + " (master), the primary the "
                                + "sentinels of " + redis.uri() + " name"),
                status.out());
        assertTrue(status.out().lines().anyMatch(l -> l.matches("recorder\\s+it-stream\\s+.*")), status.out());

        // So does the readiness check of the admin API.
        try (FailFastRedis ops = new FailFastRedis(runtime.config().redis())) {
            HealthChecks.Result ready =
                    new HealthChecks(runtime.view(), ops, false, () -> true, Duration.ofMinutes(1)).ready();
            assertEquals(
                    "answers at 127.0.0.1:" + promoted.port() + " (master), the primary the sentinels name",
                    ready.checks().get("redis"),
                    ready.toString());
        }

        oracle.printRow(); // for the README's fault table (no assertion on time: the machine may be busy)
        List<String> lines =
                logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.contains("followed a failover")
                                && l.contains("127.0.0.1:" + promoted.port())
                                && l.contains("was 127.0.0.1:" + killed.port())),
                lines.toString());
    }
}
