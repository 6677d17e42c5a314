package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.fixtures.Flag;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Large entries against a real Redis: what a subscription holds stays within
 * consumer.read-ahead-bytes (plus one entry) although its slots would let it read every entry at
 * once, entries a read returns past the budget are read again later and handled, and entries over
 * consumer.max-event-bytes are dead-lettered without their payload.
 */
class ReadAheadBytesIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final long BUDGET = 8L << 20;
    private static final int MAX_EVENT_BYTES = 4 << 20;
    private static final int LARGE = 1_500_000;
    private static final int OVERSIZED = 6 << 20;
    /** Room for two large entries: the janitor and retry paths must stop taking at it. */
    private static final long SMALL_BUDGET = 3_500_000;

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    @Test
    void largeEntriesAreHeldWithinTheByteBudgetAndOversizedOnesDeadLetteredWithoutTheirPayload() throws Exception {
        // Small ones first, so the reader's first reads expect small entries and ask for many: the
        // reply that follows is far over the budget, and what passes it must wait in Redis.
        Set<String> normal = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            normal.add(publish("small-" + i, 100_000));
        }
        List<String> oversized = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            normal.add(publish("large-" + i, LARGE));
            if (i % 7 == 3) {
                oversized.add(publish("oversized-" + i, OVERSIZED));
            }
        }

        EventbusRuntime runtime = env.start(
                "it-1",
                Map.of(
                        "eventbus.consumer.read-ahead-bytes", BUDGET,
                        "eventbus.consumer.max-event-bytes", MAX_EVENT_BYTES));
        AtomicLong peak = new AtomicLong();
        Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(runtime.view().heldBytes(), Math::max);
                LockSupport.parkNanos(200_000);
            }
        });
        try {
            Streams.await(
                    "every normal entry handled",
                    Duration.ofSeconds(60),
                    () -> env.orders().appliedCount() >= normal.size());
            Streams.await(
                    "oversized entries dead-lettered",
                    Duration.ofSeconds(30),
                    () -> env.streams().redis().xlen("eventbus:dlq:recorder") == oversized.size());
            Streams.await(
                    "nothing pending",
                    Duration.ofSeconds(30),
                    () -> env.streams().pending("it-stream", "recorder") == 0);
        } finally {
            sampler.interrupt();
            sampler.join();
        }

        System.out.printf("read-ahead bytes: peak %d held, budget %d%n", peak.get(), BUDGET);
        assertEquals(normal.size(), env.orders().calls().size(), "each normal entry handled once");
        assertTrue(peak.get() <= BUDGET + LARGE + 1024, "held " + peak.get() + " bytes, budget " + BUDGET);
        assertTrue(peak.get() >= BUDGET / 2, "the budget was reached (held " + peak.get() + " at most)");
        Streams.await(
                "nothing held once all is done", WAIT, () -> runtime.view().heldBytes() == 0);

        for (Map<String, String> letter :
                assertTooLargeWithoutPayload(oversized).values()) {
            long original = "type".length()
                    + "it.recorded".length()
                    + "subject".length()
                    + letter.get("subject").length()
                    + "sleep-ms".length()
                    + "300".length()
                    + "data".length()
                    + OVERSIZED;
            assertTrue(
                    letter.get("eventbus-error-message").contains("entry is " + original + " bytes"),
                    letter.get("eventbus-error-message"));
            long size = letter.entrySet().stream()
                    .mapToLong(e -> e.getKey().length() + e.getValue().length())
                    .sum();
            assertTrue(size < 4096, "dead letter of " + size + " bytes");
        }
    }

    @Test
    void entriesOfADeadConsumerAreReclaimedWithinTheByteBudgetAndOversizedOnesDeadLetteredWithoutTheirPayload()
            throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        Set<String> normal = new HashSet<>();
        List<String> oversized = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            publish("orphan-" + i, LARGE);
            normal.add("orphan-" + i);
            if (i % 5 == 2) {
                oversized.add(publish("oversized-" + i, OVERSIZED));
            }
        }
        // A consumer that read every entry and died: the reclaimer could take them all in one pass.
        env.streams().readWithoutAck("it-stream", "recorder", "dead-1");
        assertEquals(normal.size() + oversized.size(), env.streams().pending("it-stream", "recorder"));

        EventbusRuntime runtime = env.start(
                "it-1",
                Map.of(
                        "eventbus.consumer.read-ahead-bytes",
                        SMALL_BUDGET,
                        "eventbus.consumer.max-event-bytes",
                        MAX_EVENT_BYTES,
                        "eventbus.recovery.claim-idle",
                        "200ms",
                        "eventbus.recovery.interval",
                        "100ms"));
        PeakSampler peak = new PeakSampler(runtime);
        try {
            Streams.await(
                    "every orphan handled",
                    Duration.ofSeconds(90),
                    () -> Set.copyOf(env.orders().paidOrders()).containsAll(normal));
            Streams.await(
                    "oversized orphans dead-lettered",
                    Duration.ofSeconds(30),
                    () -> env.streams().redis().xlen("eventbus:dlq:recorder") == oversized.size());
            Streams.await(
                    "nothing pending",
                    Duration.ofSeconds(30),
                    () -> env.streams().pending("it-stream", "recorder") == 0);
        } finally {
            peak.stop();
        }

        System.out.printf("reclaimed bytes: peak %d held, budget %d%n", peak.get(), SMALL_BUDGET);
        assertTrue(peak.get() >= SMALL_BUDGET / 2, "reclaimed entries are charged (held " + peak.get() + " at most)");
        // The documented bound (reference.conf, README "Memory"): one entry past the budget each for
        // the reader, the retry poller and the reclaimer. A quiet verify once saw 4 entries held here
        // (budget + 2.5 MB), within that bound but past the reclaimer's own one entry; which path
        // took the second is not yet pinned down (closing note of the eighth session).
        assertTrue(
                peak.get() <= SMALL_BUDGET + 3 * (LARGE + 1024),
                "held " + peak.get() + " bytes, budget " + SMALL_BUDGET);
        assertTooLargeWithoutPayload(oversized);
    }

    @Test
    void retriesAreTakenWithinTheByteBudget() throws Exception {
        Flag failing = env.flag("failing");
        failing.raise();
        Set<String> subjects = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            Map<String, String> fields = new HashMap<>();
            fields.put("type", "it.recorded");
            fields.put("subject", "retried-" + i);
            fields.put("sleep-ms", "300");
            fields.put("fail-while", failing.path());
            fields.put("data", "x".repeat(LARGE));
            env.publish("it-stream", fields);
            subjects.add("retried-" + i);
        }
        EventbusRuntime runtime = env.start(
                "it-1",
                Map.of(
                        "eventbus.consumer.read-ahead-bytes",
                        SMALL_BUDGET,
                        "eventbus.consumer.max-event-bytes",
                        MAX_EVENT_BYTES,
                        "eventbus.handler-defaults.retry.max-attempts",
                        10_000,
                        "eventbus.handler-defaults.retry.backoff.initial",
                        "50ms",
                        "eventbus.handler-defaults.retry.backoff.max",
                        "200ms",
                        "eventbus.recovery.retry-poll-interval",
                        "20ms",
                        "eventbus.recovery.max-deliveries",
                        10_000));
        // Every entry has failed and waits for its retry: the reader holds none of them any more.
        Streams.await(
                "every entry waiting for a retry",
                Duration.ofSeconds(60),
                () -> env.streams().redis().zcard(RetryStore.dueKey("recorder", "it-stream")) == subjects.size());
        PeakSampler peak = new PeakSampler(runtime);
        failing.lower();
        try {
            Streams.await(
                    "every entry handled on a retry",
                    Duration.ofSeconds(90),
                    () -> Set.copyOf(env.orders().paidOrders()).containsAll(subjects));
            Streams.await(
                    "nothing pending",
                    Duration.ofSeconds(30),
                    () -> env.streams().pending("it-stream", "recorder") == 0);
        } finally {
            peak.stop();
        }
        System.out.printf("retried bytes: peak %d held, budget %d%n", peak.get(), SMALL_BUDGET);
        assertTrue(peak.get() >= SMALL_BUDGET / 2, "retried entries are charged (held " + peak.get() + " at most)");
        assertTrue(peak.get() <= SMALL_BUDGET + LARGE + 1024, "held " + peak.get() + " bytes, budget " + SMALL_BUDGET);
        assertEquals(0, env.streams().redis().xlen("eventbus:dlq:recorder"), "none dead-lettered");
    }

    /** @return the dead letters by source entry id, each checked to be too-large without its payload */
    private Map<String, Map<String, String>> assertTooLargeWithoutPayload(List<String> oversized) {
        List<StreamMessage<String, String>> letters =
                env.streams().redis().xrange("eventbus:dlq:recorder", Range.create("-", "+"));
        Map<String, Map<String, String>> bySource = new HashMap<>();
        letters.forEach(m -> bySource.put(m.getBody().get("eventbus-source-id"), m.getBody()));
        assertEquals(Set.copyOf(oversized), bySource.keySet());
        for (Map<String, String> letter : bySource.values()) {
            assertEquals("too-large", letter.get("eventbus-reason"));
            assertFalse(letter.containsKey("data"), "the payload is not copied into the dead letter");
            assertEquals("it.recorded", letter.get("type"), "the fields that fit are kept");
        }
        return bySource;
    }

    /** The most bytes the runtime's subscriptions held at once while it ran. */
    private static final class PeakSampler {

        private final AtomicLong peak = new AtomicLong();
        private final Thread thread;

        PeakSampler(EventbusRuntime runtime) {
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak.accumulateAndGet(runtime.view().heldBytes(), Math::max);
                    LockSupport.parkNanos(200_000);
                }
            });
        }

        void stop() throws InterruptedException {
            thread.interrupt();
            thread.join();
        }

        long get() {
            return peak.get();
        }
    }

    /** An entry whose handler takes a while, so that the entries read stay held. */
    private String publish(String subject, int dataBytes) {
        Map<String, String> fields = new HashMap<>();
        fields.put("type", "it.recorded");
        fields.put("subject", subject);
        fields.put("sleep-ms", "300");
        fields.put("data", "x".repeat(dataBytes));
        return env.publish("it-stream", fields);
    }
}
