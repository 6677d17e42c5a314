package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.fixtures.Flag;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.IdleConsumers;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Retries, dead letters with provenance, timeouts, breakers and pending-entry recovery, in one JVM. */
class RecoveryIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private void start(Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "eventbus.consumer.shutdown-grace", "2s",
                "eventbus.handler-defaults.retry.backoff.initial", "50ms",
                "eventbus.handler-defaults.retry.backoff.max", "200ms",
                "eventbus.recovery.retry-poll-interval", "20ms"));
        settings.putAll(extra);
        env.start("it-1", settings);
    }

    private Map<String, String> deadLetter(String sourceId) {
        for (StreamMessage<String, String> m :
                env.streams().redis().xrange("eventbus:dlq:recorder", Range.create("-", "+"))) {
            if (sourceId.equals(m.getBody().get("eventbus-source-id"))) {
                return m.getBody();
            }
        }
        throw new AssertionError("no dead letter for " + sourceId);
    }

    private boolean hasDeadLetter(String sourceId) {
        return env.streams().redis().xrange("eventbus:dlq:recorder", Range.create("-", "+")).stream()
                .anyMatch(m -> sourceId.equals(m.getBody().get("eventbus-source-id")));
    }

    private List<String> consumers() {
        return env.streams().redis().xinfoConsumers("it-stream", "recorder").stream()
                .map(Object::toString)
                .toList();
    }

    private long dlqLength() {
        return env.streams().redis().xlen("eventbus:dlq:recorder");
    }

    @Test
    void failuresAreRetriedWithTheSameKeyUntilTheySucceed() throws Exception {
        start(Map.of());
        String id = env.publish(
                "it-stream", Map.of("type", "it.recorded", "subject", "retry-me", "fail", "before-attempt-3"));
        env.publish("it-stream", Map.of("type", "it.recorded", "subject", "fine"));
        Streams.await("retried event handled", WAIT, () -> env.orders().appliedCount() == 2);
        Streams.await("nothing pending", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
        ReceivedCall call = env.orders().calls().stream()
                .filter(c -> c.orderId().equals("retry-me"))
                .findFirst()
                .orElseThrow();
        assertEquals(3, call.attempt());
        assertEquals("recorder/it-stream/" + id, call.idempotencyKey());
        assertEquals(0L, env.streams().redis().zcard("eventbus:retry:recorder:it-stream"));
        assertEquals(0L, env.streams().redis().hlen("eventbus:retry-first:recorder:it-stream"));
        assertEquals(0, dlqLength());
    }

    @Test
    void exhaustedAttemptsGoToTheDeadLettersWithProvenance() throws Exception {
        start(Map.of("eventbus.handler-defaults.retry.max-attempts", 3));
        String id = env.publish("it-stream", Map.of("type", "it.recorded", "subject", "doomed", "fail", "always"));
        Streams.await("dead-lettered", WAIT, () -> dlqLength() == 1);
        Streams.await("nothing pending", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
        Map<String, String> dl = deadLetter(id);
        assertEquals("handler-error", dl.get("eventbus-reason"));
        assertEquals("3", dl.get("eventbus-attempts"));
        assertEquals("it-stream", dl.get("eventbus-source-stream"));
        assertEquals("recorder", dl.get("eventbus-handler"));
        assertEquals("1.0.0", dl.get("eventbus-plugin-version"));
        assertEquals("dev.eventbus.api.RetriableEventException", dl.get("eventbus-error-class"));
        assertEquals("told to fail", dl.get("eventbus-error-message"));
        assertEquals("doomed", dl.get("subject"), "original fields are kept");
        assertTrue(
                // As instants, not strings: Instant.toString drops a zero fraction ("...:42Z" sorts after
                // "...:42.17Z").
                Instant.parse(dl.get("eventbus-first-failure"))
                        .isBefore(Instant.parse(dl.get("eventbus-last-failure"))),
                dl.get("eventbus-first-failure") + " before " + dl.get("eventbus-last-failure"));
        assertEquals(0, env.orders().calls().size());
    }

    @Test
    void permanentGrpcStatusIsDeadLetteredAtOnce() throws Exception {
        env.orders().behaviour(OrderServer.Behaviour.FAIL_INVALID_ARGUMENT);
        start(Map.of());
        String id = env.publish("it-stream", Map.of("type", "it.recorded", "subject", "invalid"));
        Streams.await("dead-lettered", WAIT, () -> dlqLength() == 1);
        Map<String, String> dl = deadLetter(id);
        assertEquals("rpc-status", dl.get("eventbus-reason"));
        assertEquals("1", dl.get("eventbus-attempts"));
        assertEquals(1, env.orders().calls().size(), "no retry of a permanent failure");
    }

    @Test
    void hangingHandlerIsInterruptedAbandonedAndDeadLetteredAsTimeout() throws Exception {
        start(Map.of(
                "eventbus.handler-defaults.timeout",
                "1s",
                "eventbus.handler-defaults.abandon-after",
                "300ms",
                "eventbus.handler-defaults.retry.max-attempts",
                2,
                "eventbus.handler-defaults.max-in-flight",
                4));
        Flag release = env.release("release-hang"); // raised only when the test is over
        String id = env.publish("it-stream", Map.of("type", "it.recorded", "subject", "hangs", "hang", release.path()));
        for (int i = 0; i < 5; i++) {
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", "ok-" + i));
        }
        Streams.await("dead-lettered as timeout", Duration.ofSeconds(20), () -> hasDeadLetter(id));
        assertEquals("timeout", deadLetter(id).get("eventbus-reason"));
        Streams.await("others handled meanwhile", WAIT, () -> env.orders().appliedCount() == 5);
    }

    @Test
    void unavailableServiceOpensTheCircuitAndEventsWaitInsteadOfDying() throws Exception {
        env.orders().stop();
        start(Map.of(
                "eventbus.handler-defaults.retry.max-attempts",
                4,
                "eventbus.grpc.circuit-breaker.failure-threshold",
                3,
                "eventbus.grpc.circuit-breaker.open-for",
                "300ms",
                "eventbus.grpc.services.\"orders.v1.OrderService\".deadline",
                "300ms"));
        for (int i = 0; i < 50; i++) {
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", "cb-" + i));
        }
        Thread.sleep(3000); // the service is down for 3 s, longer than 4 attempts of backoff would last
        assertEquals(0, dlqLength(), "an open circuit pauses the subscription instead of burning attempts");
        env.orders().restart();
        Streams.await(
                "all 50 handled after recovery",
                Duration.ofSeconds(20),
                () -> env.orders().appliedCount() == 50);
        Streams.await("nothing pending", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
        assertEquals(0, dlqLength());
    }

    @Test
    void entriesOfADeadConsumerAreTakenOverAndItIsRemoved() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        for (int i = 0; i < 7; i++) {
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", "orphan-" + i));
        }
        // A consumer that read the entries and died.
        env.streams().readWithoutAck("it-stream", "recorder", "dead-1");
        assertEquals(7, env.streams().pending("it-stream", "recorder"));
        Thread.sleep(300);
        start(Map.of(
                "eventbus.recovery.claim-idle",
                "200ms",
                "eventbus.recovery.interval",
                "100ms",
                "eventbus.recovery.delete-idle-consumers-after",
                "500ms"));
        // (claim-idle is short for the test; in-flight entries are renewed every interval)
        Streams.await("orphans handled", WAIT, () -> env.orders().appliedCount() == 7);
        Streams.await(
                "dead consumer removed",
                WAIT,
                () -> env.streams().redis().xinfoConsumers("it-stream", "recorder").stream()
                        .noneMatch(c -> c.toString().contains("dead-1")));
        assertTrue(env.orders().calls().stream().allMatch(c -> c.attempt() >= 2), "the takeover counts as a delivery");
        assertEquals(7, env.orders().distinctKeys().size());
    }

    @Test
    void aGhostIsCountedApartAndKeptUntilItsPendingEntriesAreTakenOver() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        for (int i = 0; i < 3; i++) {
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", "ghost-" + i));
        }
        // Two instances died: one holding the 3 entries, one holding nothing.
        env.streams().readWithoutAck("it-stream", "recorder", "dead-1");
        // (made outright: an XREADGROUP that returns nothing makes no consumer on Redis 7.0)
        env.streams()
                .redis()
                .xgroupCreateconsumer("it-stream", io.lettuce.core.Consumer.from("recorder", "dead-empty"));
        assertTrue(consumers().stream().anyMatch(c -> c.contains("dead-empty")), "the empty ghost exists");
        // claim-idle far away: the ghost's entries stay its own for the whole test
        var runtime = env.start(
                "it-live",
                Map.of(
                        "eventbus.recovery.claim-idle", "1h",
                        "eventbus.recovery.interval", "100ms",
                        "eventbus.recovery.delete-idle-consumers-after", "300ms"));
        Streams.await(
                "the empty ghost removed (a removal pass ran)",
                Duration.ofSeconds(10),
                () -> consumers().stream().noneMatch(c -> c.contains("dead-empty")));
        assertTrue(consumers().stream().anyMatch(c -> c.contains("dead-1")), "a ghost with pending entries stays");
        assertEquals(3, env.streams().pending("it-stream", "recorder"));

        try (FailFastRedis redis = new FailFastRedis(runtime.config().redis())) {
            StatusReader reader = new StatusReader(
                    redis,
                    "eventbus:dlq:",
                    Clock.systemUTC(),
                    new IdleConsumers(Duration.ofMillis(300), Set.of("it-live")));
            Streams.await(
                    "dead-1 idle past the threshold",
                    Duration.ofSeconds(5),
                    () -> reader.of("recorder", "it-stream").orElseThrow().ghosts() == 1);
            SubscriptionStatus status = reader.of("recorder", "it-stream").orElseThrow();
            assertEquals(1, status.consumers(), "the live instance only, never a ghost");
            assertEquals(1, status.ghosts());
        }
        assertEquals(0, env.orders().appliedCount(), "no one else ran the ghost's entries");
    }

    @Test
    void entriesTrimmedWhilePendingAreRecordedAsLosses() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(env.publish("it-stream", Map.of("type", "it.recorded", "subject", "gone-" + i)));
        }
        env.streams().readWithoutAck("it-stream", "recorder", "dead-1");
        env.streams().redis().xtrim("it-stream", 0);
        Thread.sleep(300);
        start(Map.of("eventbus.recovery.claim-idle", "200ms", "eventbus.recovery.interval", "100ms"));
        Streams.await("5 loss records", WAIT, () -> dlqLength() == 5);
        Map<String, String> reasons =
                ids.stream().collect(Collectors.toMap(i -> i, i -> deadLetter(i).get("eventbus-reason")));
        assertTrue(reasons.values().stream().allMatch("trimmed"::equals), reasons.toString());
        assertEquals(0, env.orders().calls().size(), "the handler never sees an empty body");
        // The acknowledgement follows the durable loss record, asynchronously (batched).
        Streams.await("loss records acknowledged", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
    }

    @Test
    void entriesTrimmedWhileTheirHandlerRunsAreHandledOrRecordedAsLossesOnce() throws Exception {
        // Calls get a minute: on a loaded machine a call that outlived the 5 s default would fail an event
        // that should succeed, and its entry, gone by then, would rightly be recorded as a sixth loss.
        start(Map.of(
                "eventbus.recovery.interval",
                "100ms",
                "eventbus.grpc.defaults.deadline",
                "60s",
                "eventbus.handler-defaults.timeout",
                "90s"));
        Flag release = env.release("release-hold");
        List<String> failing = new ArrayList<>();
        List<String> succeeding = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            failing.add(env.publish(
                    "it-stream",
                    Map.of("type", "it.recorded", "subject", "fails-" + i, "hold", release.path(), "fail", "always")));
            succeeding.add(env.publish(
                    "it-stream", Map.of("type", "it.recorded", "subject", "works-" + i, "hold", release.path())));
        }
        Streams.await("all 10 read and held", WAIT, () -> env.streams().pending("it-stream", "recorder") == 10);
        env.streams().redis().xtrim("it-stream", 0);
        // The janitor's lease renewal (XCLAIM) drops deleted entries from the pending list (Redis 7):
        // from here on, nothing in Redis says that these 10 entries are still on their way.
        Streams.await("renewal dropped them", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
        release.raise();

        Streams.await("the 5 that succeed are handled", WAIT, () -> env.orders().appliedCount() == 5);
        Streams.await("the 5 that fail are recorded as losses", WAIT, () -> dlqLength() == 5);
        for (String id : failing) {
            Map<String, String> dl = deadLetter(id);
            assertEquals("trimmed", dl.get("eventbus-reason"), dl.toString());
            assertEquals("dev.eventbus.api.RetriableEventException", dl.get("eventbus-error-class"));
            assertTrue(dl.containsKey("subject"), "the record keeps the fields the handler had: " + dl);
        }
        assertTrue(succeeding.stream().noneMatch(this::hasDeadLetter), "a handled event is no loss");
        // Exactly once: no retry was left behind to find the entry gone later.
        assertEquals(0L, env.streams().redis().zcard("eventbus:retry:recorder:it-stream"));
        assertEquals(5, dlqLength());
    }

    @Test
    void anEntryDeliveredTooOftenIsQuarantined() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        String id = env.publish("it-stream", Map.of("type", "it.recorded", "subject", "poison"));
        env.streams().readWithoutAck("it-stream", "recorder", "it-1");
        // As if it had crashed its consumer 25 times.
        REDIS.command("XCLAIM", "it-stream", "recorder", "it-1", "0", id, "RETRYCOUNT", "25");
        start(Map.of("eventbus.recovery.max-deliveries", 20));
        Streams.await("quarantined", WAIT, () -> dlqLength() == 1);
        Map<String, String> dl = deadLetter(id);
        assertEquals("max-deliveries", dl.get("eventbus-reason"));
        assertNotNull(dl.get("eventbus-error-message"));
        assertEquals(0, env.orders().calls().size());
        // The acknowledgement follows the durable dead letter, asynchronously (batched).
        Streams.await("dead letter acknowledged", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
    }

    @Test
    void deliveriesThatWaitedOutAServiceOutageDoNotBlowTheFuse() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        String id = env.publish("it-stream", Map.of("type", "it.recorded", "subject", "waited"));
        env.streams().readWithoutAck("it-stream", "recorder", "it-1");
        // Delivered 25 times, 10 of them failing only because its gRPC service was down (as the
        // retry path records them), then its consumer died in the middle of the next call.
        REDIS.command("XCLAIM", "it-stream", "recorder", "it-1", "0", id, "RETRYCOUNT", "25");
        REDIS.command("HSET", "eventbus:retry-first:recorder:it-stream", id + ":service-down", "10");
        start(Map.of("eventbus.recovery.max-deliveries", 20));
        Streams.await("handled", WAIT, () -> env.orders().calls().size() == 1);
        Streams.await("acknowledged", WAIT, () -> env.streams().pending("it-stream", "recorder") == 0);
        assertEquals(0, dlqLength(), "15 deliveries count, under the fuse of 20");
    }
}
