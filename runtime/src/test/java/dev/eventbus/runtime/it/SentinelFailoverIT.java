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
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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
import org.slf4j.LoggerFactory;

/**
 * The runtime on a primary, a replica and three sentinels: kill -9 of the primary under load, the
 * replica promoted, the runtime's connections follow by themselves (no restart). The oracle: every
 * event that Redis acknowledged with replication ({@code WAIT 1}) is handled, duplicates carry the
 * first delivery's idempotency key, and the group's pending list ends empty.
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
    private Producer producer;

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
        runtime = TestRuntimes.start(redis.uri(), plugins, orders, "it-1", settings);
        RedisServer first = redis.primary();

        producer = new Producer(redis.uri());
        producer.start();
        Streams.await("events flowing before the fault", Duration.ofSeconds(20), () -> orders.appliedCount() >= 100);

        long killedAt = System.nanoTime();
        RedisServer killed = redis.killPrimary();
        assertEquals(first, killed);
        RedisServer promoted = redis.awaitFailover(killed, Duration.ofSeconds(60));
        long followedAt = System.nanoTime();
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
                Duration.ofSeconds(60),
                () -> handledSubjects().containsAll(promised));
        try (Streams streams = new Streams(redis.uri())) {
            Streams.await(
                    "the group's pending list empty",
                    Duration.ofSeconds(30),
                    () -> streams.pending(STREAM, GROUP) == 0);
            assertEquals(0L, streams.redis().exists("eventbus:dlq:recorder"), "nothing dead-lettered");
        }

        // Duplicates (redeliveries after the failover) carry the first delivery's key: one key per event.
        Map<String, Set<String>> keysBySubject = orders.calls().stream()
                .collect(Collectors.groupingBy(
                        ReceivedCall::orderId, Collectors.mapping(ReceivedCall::idempotencyKey, Collectors.toSet())));
        keysBySubject.forEach((subject, keys) -> assertEquals(1, keys.size(), subject + " had keys " + keys));

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

        // For the README's fault table (no assertion on time: the machine may be busy).
        List<ReceivedCall> calls = orders.calls();
        System.out.printf(
                "sentinel failover: produced %d, promised %d, handled %d, calls %d, duplicates %d,"
                        + " failover seen by the test after %d ms%n",
                producer.next.get(),
                promised.size(),
                handledSubjects().size(),
                calls.size(),
                calls.size() - keysBySubject.size(),
                Duration.ofNanos(followedAt - killedAt).toMillis());
        List<String> lines =
                logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.contains("followed a failover")
                                && l.contains("127.0.0.1:" + promoted.port())
                                && l.contains("was 127.0.0.1:" + killed.port())),
                lines.toString());
    }

    private Set<String> handledSubjects() {
        return orders.calls().stream()
                .filter(ReceivedCall::applied)
                .map(ReceivedCall::orderId)
                .collect(Collectors.toSet());
    }

    /**
     * Publishes one event at a time through the sentinels, each followed by {@code WAIT 1} (while
     * there is a replica): an event whose XADD and WAIT both succeed is promised. A failed one is not retried (its subject would
     * get a second entry), the next event gets the next subject.
     */
    private static final class Producer implements AutoCloseable {

        final Set<String> promised = ConcurrentHashMap.newKeySet();
        volatile int replicas = 1;
        private final RedisClient client;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicInteger next = new AtomicInteger();
        private final Thread thread;

        Producer(String sentinelUri) {
            // Lettuce's URI form takes the timeout as a query parameter, before the master name.
            client = RedisClient.create(sentinelUri.replace("#", "?timeout=2s#"));
            thread = new Thread(this::run, "sentinel-it-producer");
        }

        void start() {
            thread.start();
        }

        private void run() {
            StatefulRedisConnection<String, String> connection = null;
            while (!stop.get()) {
                try {
                    if (connection == null) {
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
                    // The primary is gone or not yet replaced: this event is not promised; go on.
                    sleepQuietly();
                }
            }
            if (connection != null) {
                connection.close();
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
            client.shutdown();
        }
    }
}
