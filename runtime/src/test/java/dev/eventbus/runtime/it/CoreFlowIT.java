package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The core path against a real Redis, a real gRPC server on loopback and real plugin JARs: the
 * sample payments plugin as the build ships it, and a test plugin built into a temp directory.
 */
class CoreFlowIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS);

    private EventbusRuntime start(Map<String, Object> extra) {
        return env.start("it-1", extra);
    }

    private void installPaymentsPlugin() throws Exception {
        Files.copy(
                Path.of("target/test-plugins/payments-plugin.jar"),
                env.plugins().resolve("payments-plugin.jar"));
    }

    private static Map<String, String> topup(int i) {
        return Map.of(
                "type",
                "wallet.topup.succeeded",
                "subject",
                "w-" + i,
                "id",
                "evt-" + i,
                "data",
                "{\"orderId\":\"o-" + i + "\",\"walletId\":\"w-" + i + "\",\"amountCents\":" + i + "}");
    }

    @Test
    void tenThousandEventsReachTheOrderServiceOnceEach() throws Exception {
        installPaymentsPlugin();
        // "Exactly once" holds while no call outlives its deadline; on a starved machine (load 17 on
        // 2 cores) the 5 s default did, and a late call's retry reached the service a second time.
        EventbusRuntime runtime = start(Map.of("eventbus.grpc.defaults.deadline", "60s"));
        assertEquals(
                List.of("mark-order-paid"),
                runtime.view().handlers().stream().map(h -> h.name()).toList());

        int n = 10_000;
        List<Map<String, String>> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(topup(i));
        }
        long start = System.nanoTime();
        env.streams().publishAll("wallet", events);
        Streams.await(
                "all orders paid", Duration.ofSeconds(60), () -> env.orders().appliedCount() >= n);
        Streams.await("nothing pending", WAIT, () -> env.streams().pending("wallet", "mark-order-paid") == 0);
        long millis = (System.nanoTime() - start) / 1_000_000;

        List<ReceivedCall> calls = env.orders().calls();
        assertEquals(n, calls.size(), "each event called the service exactly once");
        assertEquals(n, calls.stream().map(ReceivedCall::orderId).distinct().count());
        assertEquals(0, env.orders().duplicates());
        assertTrue(calls.stream().allMatch(ReceivedCall::hadDeadline), "every call carries a deadline");
        assertTrue(
                calls.stream()
                        .allMatch(c ->
                                c.idempotencyKey() != null && c.idempotencyKey().startsWith("mark-order-paid/wallet/")),
                "every call carries an idempotency key");
        Map<String, Object> group = env.streams().group("wallet", "mark-order-paid");
        assertEquals(0L, group.get("lag"));
        assertEquals(0L, group.get("pending"));
        System.out.printf(
                "core flow: %d events published and handled in %d ms; pending after: %s, lag after: %s%n",
                n, millis, group.get("pending"), group.get("lag"));
    }

    @Test
    void aHandlersLogLinesCarryTheDeliveryInTheMdc() throws Exception {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RecordingHandler.class);
        // The line's context is taken as it is logged, on the worker: read later by this thread, a
        // line no other appender had read yet showed this thread's (empty) context (seen once).
        var appender = new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>() {
            @Override
            protected void append(ch.qos.logback.classic.spi.ILoggingEvent line) {
                line.prepareForDeferredProcessing();
                super.append(line);
            }
        };
        appender.start();
        logger.addAppender(appender);
        try {
            env.installRecorder();
            start(Map.of());
            String id = env.publish(
                    "it-stream", Map.of("type", "it.recorded", "subject", "s-log", "id", "evt-log", "log", "yes"));
            Streams.await("the handler logged", Duration.ofSeconds(20), () -> !appender.list.isEmpty());
            Map<String, String> mdc = appender.list.get(0).getMDCPropertyMap();
            assertEquals(
                    Map.of(
                            "handler",
                            "recorder",
                            "plugin",
                            "recorder",
                            "stream",
                            "it-stream",
                            "entry",
                            id,
                            "event",
                            "evt-log"),
                    mdc);
        } finally {
            logger.detachAppender(appender);
        }
    }

    @Test
    void failingHandlerLeavesItsEntryPendingAndOthersFlow() throws Exception {
        env.installRecorder();
        start(Map.of());
        for (int i = 0; i < 20; i++) {
            env.publish(
                    "it-stream",
                    i % 5 == 0
                            ? Map.of("type", "it.recorded", "subject", "s-" + i, "fail", "always")
                            : Map.of("type", "it.recorded", "subject", "s-" + i));
        }
        Streams.await(
                "16 good events handled",
                Duration.ofSeconds(20),
                () -> env.orders().appliedCount() == 16);
        Streams.await("4 failing entries pending", WAIT, () -> env.streams().pending("it-stream", "recorder") == 4);
        Streams.await(
                "4 retries scheduled in Redis",
                WAIT,
                () -> env.streams().redis().zcard("eventbus:retry:recorder:it-stream") == 4);
        Set<String> handled =
                env.orders().calls().stream().map(ReceivedCall::orderId).collect(Collectors.toSet());
        for (int i = 0; i < 20; i++) {
            assertEquals(i % 5 != 0, handled.contains("s-" + i), "s-" + i);
        }
    }

    @Test
    void afterRestartOwnPendingEntriesAreHandled() throws Exception {
        env.installRecorder();
        EventbusRuntime first = start(Map.of("eventbus.consumer.shutdown-grace", "100ms"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(env.publish("it-stream", Map.of("type", "it.recorded", "subject", "r-" + i, "sleep-ms", "4000")));
        }
        Streams.await("all 10 in flight", WAIT, () -> env.streams().pending("it-stream", "recorder") == 10);
        // Grace too short: the 10 stay pending, unacknowledged. The handlers sleep 4 s so that stop()
        // ends before any of them could reach the order service, even on a loaded machine.
        first.stop();
        assertEquals(0, env.orders().appliedCount());
        assertEquals(10, env.streams().pending("it-stream", "recorder"));

        start(Map.of());
        Streams.await(
                "pending entries handled after restart",
                Duration.ofSeconds(40),
                () -> env.orders().appliedCount() == 10);
        Streams.await("nothing pending", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
        Set<String> keys = new HashSet<>(env.orders().distinctKeys());
        for (String id : ids) {
            assertTrue(keys.contains("recorder/it-stream/" + id), "idempotency key of " + id);
        }
        assertTrue(env.orders().calls().stream().allMatch(c -> c.attempt() == 2), "second delivery of each entry");
    }

    @Test
    void malformedEntriesAreDeadLetteredAndNeverReachTheHandler() throws Exception {
        env.installRecorder();
        start(Map.of("eventbus.consumer.max-event-bytes", 2048));
        String noType = env.publish("it-stream", Map.of("subject", "bad-1", "data", "{}"));
        String big =
                env.publish("it-stream", Map.of("type", "it.recorded", "subject", "bad-2", "data", "x".repeat(5000)));
        REDIS.command("XADD", "it-stream", "*", "type", "it.recorded", "subject", "bad-3", "fail", "never-again");
        env.publish("it-stream", Map.of("type", "it.recorded", "subject", "good"));
        env.publish("it-stream", Map.of("type", "other.type", "subject", "not-mine"));

        Streams.await("good event handled", WAIT, () -> env.orders().appliedCount() == 1);
        Streams.await("3 dead letters", WAIT, () -> env.streams().redis().xlen("eventbus:dlq:recorder") == 3);
        Streams.await("nothing pending", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
        assertEquals(
                List.of("good"),
                env.orders().calls().stream().map(ReceivedCall::orderId).toList());

        Map<String, String> reasons = new HashMap<>();
        for (var m : env.streams().redis().xrange("eventbus:dlq:recorder", io.lettuce.core.Range.create("-", "+"))) {
            reasons.put(m.getBody().get("eventbus-source-id"), m.getBody().get("eventbus-reason"));
            assertEquals("recorder", m.getBody().get("eventbus-handler"));
            assertEquals("recorder", m.getBody().get("eventbus-plugin"));
            assertEquals("it-stream", m.getBody().get("eventbus-source-stream"));
        }
        assertEquals("decode", reasons.get(noType));
        assertEquals("too-large", reasons.get(big));
        assertTrue(reasons.containsValue("handler-error"), reasons.toString());
    }

    @Test
    void nonUtf8FieldIsDeadLetteredWithTheOriginalBytes() throws Exception {
        env.installRecorder();
        start(Map.of());
        // Raw bytes through the test's own RESP client: the producer wrote Latin-1 by mistake.
        var raw = new io.lettuce.core.codec.ByteArrayCodec();
        var client = io.lettuce.core.RedisClient.create(REDIS.uri());
        try (var c = client.connect(raw)) {
            c.sync()
                    .xadd(
                            "it-stream".getBytes(),
                            Map.of("type".getBytes(), "it.recorded".getBytes(), "subject".getBytes(), new byte[] {
                                's', (byte) 0xe9
                            }));
        } finally {
            client.shutdown();
        }
        Streams.await("dead letter", WAIT, () -> env.streams().redis().xlen("eventbus:dlq:recorder") == 1);
        assertEquals(0, env.orders().calls().size());
        assertEquals(
                "decode",
                env.streams()
                        .redis()
                        .xrange("eventbus:dlq:recorder", io.lettuce.core.Range.create("-", "+"))
                        .get(0)
                        .getBody()
                        .get("eventbus-reason"));
    }

    @Test
    void shutdownLetsInFlightEventsFinishAndAcksThem() throws Exception {
        env.installRecorder();
        EventbusRuntime runtime = start(Map.of());
        for (int i = 0; i < 8; i++) {
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", "slow-" + i, "sleep-ms", "800"));
        }
        Streams.await("8 in flight", WAIT, () -> env.streams().pending("it-stream", "recorder") == 8);
        runtime.stop();
        assertEquals(8, env.orders().appliedCount(), "in-flight events finished within the grace period");
        assertEquals(0, env.streams().pending("it-stream", "recorder"), "and were acknowledged before exit");
    }
}
