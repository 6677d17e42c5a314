package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.testkit.RedisExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every entry slot a subscription takes ({@code EntrySlots}: the reader, the retry poller and the
 * reclaimer take one per entry before taking it from Redis) is given back when the entry leaves,
 * on every path: handled, skipped, malformed, retried, dead-lettered, reclaimed from a dead
 * consumer, across a Redis pause and restart, and when an ordering lane held for a retry belongs
 * to a partition another instance took over. Once every event has its outcome and the runtime is
 * idle, every subscription holds no slot: a slot held then would be counted at shutdown as an
 * event "still in flight", and would shrink the subscription's capacity for good.
 */
class EntrySlotsIT {

    private static final Duration WAIT = Duration.ofSeconds(40);
    /** Well past a few reclaimer passes (recovery.interval below): slots still taken then stay taken. */
    private static final Duration IDLE = Duration.ofSeconds(8);

    @RegisterExtension
    static final RedisExtension REDIS =
            new RedisExtension(RedisServer.Options.defaults().withAppendOnly(true));

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final HandlerCalls calls = new HandlerCalls();

    @Test
    void noSlotIsHeldOnceRetriesDeadLettersReclaimsAndARedisPauseAndRestartAreOver() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        for (int i = 0; i < 10; i++) {
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", "orphan-" + i, "seq", "1"));
        }
        env.streams().readWithoutAck("it-stream", "recorder", "dead-1"); // a consumer that died holding them
        EventbusRuntime runtime = env.start(
                "it-1",
                Map.ofEntries(
                        Map.entry("eventbus.handlers.recorder.ordered-by-subject", true),
                        Map.entry("eventbus.handler-defaults.retry.backoff.initial", "200ms"),
                        Map.entry("eventbus.handler-defaults.retry.backoff.max", "500ms"),
                        Map.entry("eventbus.handler-defaults.retry.backoff.jitter", 0),
                        Map.entry("eventbus.recovery.retry-poll-interval", "50ms"),
                        Map.entry("eventbus.recovery.claim-idle", "1s"),
                        Map.entry("eventbus.recovery.interval", "200ms"),
                        Map.entry("eventbus.redis.command-timeout", "1s"),
                        Map.entry("eventbus.consumer.block", "200ms"),
                        Map.entry("eventbus.consumer.shutdown-grace", "2s")),
                calls.observer("it-1"));

        publishMix(0);
        Thread.sleep(300);
        REDIS.server().pause(); // outcomes, retries and dead letters time out meanwhile
        Thread.sleep(2500);
        REDIS.server().resume();
        publishMix(1);
        Thread.sleep(300);
        REDIS.server().stop(); // the pending lists and the retries are in the AOF
        Thread.sleep(1500);
        REDIS.server().restart();

        String retries = RetryStore.dueKey("recorder", "it-stream");
        Streams.await(
                "every event has its outcome: nothing pending, no retry scheduled",
                WAIT,
                () -> env.streams().pending("it-stream", "recorder") == 0
                        && env.streams().redis().zcard(retries) == 0);
        assertEquals(10 + 2 * 24, distinctHandled(), "orphans, plain events and retried events handled");
        assertTrue(
                env.streams().redis().xlen("eventbus:dlq:recorder") >= 2 * 5,
                "never-again and malformed events dead-lettered");
        awaitNoSlotTaken("it-1", runtime);
    }

    @Test
    void noSlotIsHeldByALaneWaitingForARetryOnceAnotherInstanceOwnsItsPartition() throws Exception {
        HeldSubjectsHandover.Owners owners = HeldSubjectsHandover.run(env, calls, REDIS.uri(), WAIT);
        awaitNoSlotTaken("inst-a", owners.first());
        awaitNoSlotTaken("inst-b", owners.second());
    }

    /** Per subject: plain events, one retried twice, one dead-lettered, a malformed one, one of another type. */
    private void publishMix(int round) {
        for (int s = 0; s < 6; s++) {
            String subject = "mix-" + round + "-" + s;
            for (int seq = 1; seq <= 2; seq++) {
                env.publish(
                        "it-stream",
                        Map.of(
                                "type",
                                "it.recorded",
                                "subject",
                                subject,
                                "seq",
                                Integer.toString(seq),
                                "sleep-ms",
                                "20"));
            }
            env.publish(
                    "it-stream",
                    Map.of("type", "it.recorded", "subject", subject, "seq", "3", "fail", "before-attempt-3"));
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", subject, "seq", "4"));
            if (s < 5) {
                env.publish("it-stream", Map.of("type", "it.recorded", "subject", subject, "fail", "never-again"));
                env.publish("it-stream", Map.of("subject", subject, "no-type", "malformed"));
            }
            env.publish("it-stream", Map.of("type", "it.other", "subject", subject));
        }
    }

    private long distinctHandled() {
        return calls.stream().map(c -> c.subject() + "#" + c.seq()).distinct().count();
    }

    private static void awaitNoSlotTaken(String instance, EventbusRuntime runtime) throws InterruptedException {
        try {
            Streams.await(instance + " holds no entry slot", IDLE, () -> HeldSubjectsHandover.slotsTaken(runtime) == 0);
        } catch (AssertionError e) {
            // Named per subscription: which one kept its slots.
            Map<String, Integer> held = new HashMap<>(runtime.view().slotsTaken());
            held.values().removeIf(n -> n == 0);
            throw new AssertionError(
                    instance + " still holds entry slots once every event has its outcome: " + held, e);
        }
    }
}
