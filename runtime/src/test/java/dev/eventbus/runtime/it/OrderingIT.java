package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.models.stream.PendingMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Ordering by subject: one at a time per subject, in stream order, across a retry; subjects in parallel. */
class OrderingIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @TempDir
    Path plugins;

    private OrderServer orders;
    private EventbusRuntime runtime;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        orders = OrderServer.start(0);
        new PluginJarBuilder("recorder").version("1.0.0").extension(RecordingHandler.class).build(plugins);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
        System.clearProperty("eventbus.it.release-hold");
    }

    /** An event of the recorder's type; {@code id} is {@code <subject>#<sequence>}. */
    private static Map<String, String> event(String id, String... moreFields) {
        Map<String, String> fields = new HashMap<>(Map.of("type", "it.recorded", "subject",
                id.substring(0, id.indexOf('#')), "id", id));
        for (int i = 0; i < moreFields.length; i += 2) {
            fields.put(moreFields[i], moreFields[i + 1]);
        }
        return fields;
    }

    @Test
    void eventsOfOneSubjectAreHandledInStreamOrderOthersConcurrently() throws Exception {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "ordered", Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handler-defaults.retry.backoff.initial", "400ms",
                "eventbus.recovery.retry-poll-interval", "20ms"));

        int subjects = 1000;
        int perSubject = 5;
        String failingSubject = "subj-7";
        List<Map<String, String>> events = new ArrayList<>();
        for (int seq = 0; seq < perSubject; seq++) {
            for (int s = 0; s < subjects; s++) {
                Map<String, String> e = event("subj-" + s + "#" + seq);
                if (("subj-" + s).equals(failingSubject) && seq == 1) {
                    e.put("fail", "before-attempt-2"); // fails once, is retried after 400 ms
                }
                events.add(e);
            }
        }
        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publishAll("it-stream", events);
            Streams.await("all handled", Duration.ofSeconds(60), () -> orders.appliedCount() == subjects * perSubject);
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
        }

        List<ReceivedCall> calls = orders.calls();
        Map<String, Integer> lastSeq = new HashMap<>();
        for (ReceivedCall call : calls) {
            int seq = Integer.parseInt(call.requestEventId().substring(call.requestEventId().indexOf('#') + 1));
            int previous = lastSeq.getOrDefault(call.orderId(), -1);
            assertEquals(previous + 1, seq, "subject " + call.orderId() + " out of order: " + previous + " then " + seq);
            lastSeq.put(call.orderId(), seq);
        }
        assertEquals(subjects, lastSeq.size());

        int failedAt = -1;
        int retriedAt = -1;
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).orderId().equals(failingSubject)) {
                if (calls.get(i).requestEventId().endsWith("#0")) {
                    failedAt = i;
                } else if (calls.get(i).requestEventId().endsWith("#1")) {
                    retriedAt = i;
                    assertEquals(2, calls.get(i).attempt(), "the held event went through its retry");
                }
            }
        }
        long othersMeanwhile = calls.subList(failedAt + 1, retriedAt).stream()
                .filter(c -> !c.orderId().equals(failingSubject)).count();
        assertTrue(othersMeanwhile > 0, "other subjects progressed while " + failingSubject + " was held");
        System.out.printf("ordering: %d events over %d subjects in order; %d calls of other subjects while %s waited"
                + " for its retry%n", calls.size(), subjects, othersMeanwhile, failingSubject);
    }

    @Test
    void aHeldEventTrimmedFromTheStreamIsDeadLetteredAndItsSubjectGoesOn() throws Exception {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "ordered", Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handler-defaults.retry.backoff.initial", "1500ms",
                "eventbus.recovery.retry-poll-interval", "20ms"));
        try (Streams streams = new Streams(REDIS.uri())) {
            String held = streams.publish("it-stream", event("s-1#0", "fail", "always"));
            streams.publish("it-stream", event("s-1#1"));
            streams.publish("it-stream", event("s-2#0"));
            Streams.await("the other subject handled", Duration.ofSeconds(10), () -> orders.appliedCount() == 1);
            assertEquals("s-2", orders.calls().get(0).orderId(), "s-1#1 waits behind s-1#0's retry");

            assertEquals(1, streams.redis().xdel("it-stream", held)); // trimmed while its retry is due

            Streams.await("s-1#1 handled", Duration.ofSeconds(10), () -> orders.appliedCount() == 2);
            assertEquals("s-1", orders.calls().get(1).orderId());
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
            List<StreamMessage<String, String>> dlq = streams.redis().xrange("eventbus:dlq:recorder", Range.create("-", "+"));
            assertEquals(1, dlq.size());
            assertEquals(held, dlq.get(0).getBody().get("eventbus-source-id"));
            assertEquals("trimmed", dlq.get(0).getBody().get("eventbus-reason"));
        }
    }

    @Test
    void aSubjectHeldForARetryThatAnotherInstanceTookGoesOn() throws Exception {
        Map<String, Object> ordered = Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handler-defaults.retry.backoff.initial", "300ms",
                "eventbus.recovery.interval", "200ms");
        Map<String, Object> a = new HashMap<>(ordered);
        a.put("eventbus.recovery.retry-poll-interval", "1h"); // a never takes a retry itself
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "a", a);
        EventbusRuntime b = null;
        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publish("it-stream", event("s-1#0", "fail", "before-attempt-2"));
            streams.publish("it-stream", event("s-1#1"));
            streams.publish("it-stream", event("s-2#0"));
            Streams.await("a handled the other subject", Duration.ofSeconds(10), () -> orders.appliedCount() == 1);

            Map<String, Object> bSettings = new HashMap<>(ordered);
            bSettings.put("eventbus.recovery.retry-poll-interval", "20ms");
            b = TestRuntimes.start(REDIS.uri(), plugins, orders, "b", bSettings);

            Streams.await("s-1#0 retried by b, and s-1#1 no longer held on a", Duration.ofSeconds(15),
                    () -> orders.appliedCount() == 3);
            ReceivedCall retried = orders.calls().stream().filter(c -> c.requestEventId().equals("s-1#0"))
                    .findFirst().orElseThrow();
            assertEquals(2, retried.attempt(), "b took the retry (a never polls for retries)");
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
        } finally {
            if (b != null) {
                b.stop();
            }
        }
    }

    @Test
    void aHeldEventWhoseRetryWasLostKeepsItsSubjectUntilItIsReclaimedAndGoesFirst() throws Exception {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "ordered", Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handler-defaults.retry.backoff.initial", "60s",
                "eventbus.recovery.interval", "200ms",
                "eventbus.recovery.claim-idle", "3s"));
        try (Streams streams = new Streams(REDIS.uri())) {
            String held = streams.publish("it-stream", event("s-1#0", "fail", "before-attempt-2"));
            streams.publish("it-stream", event("s-1#1"));
            Streams.await("its retry scheduled", Duration.ofSeconds(10),
                    () -> streams.redis().zscore("eventbus:retry:recorder:it-stream", held) != null);
            // As if the retry's write had failed: the entry is still pending here, with no retry coming.
            assertEquals(1, streams.redis().zrem("eventbus:retry:recorder:it-stream", held));

            Thread.sleep(1_200); // six recovery passes
            assertEquals(0, orders.appliedCount(), "s-1#1 still waits: s-1#0 is pending here and will come back");

            Streams.await("both handled once s-1#0 is reclaimed", Duration.ofSeconds(15), () -> orders.appliedCount() == 2);
            assertEquals(List.of("s-1#0", "s-1#1"), orders.calls().stream().map(ReceivedCall::requestEventId).toList());
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
        }
    }

    /**
     * The stall the random fault suite found (seed 863851784): with few slots, the later events of
     * a subject held for its retry took them all, so the retry never got one and the subscription
     * stopped for good. Here 1 worker and 2 read ahead: three waiting events fill the slots.
     */
    @Test
    void eventsWaitingBehindAHeldSubjectNeverTakeTheSlotsItsRetryNeedsEverythingDrains() throws Exception {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "ordered", Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handlers.recorder.max-in-flight", 1,
                "eventbus.consumer.read-ahead", 2,
                "eventbus.handler-defaults.retry.backoff.initial", "200ms",
                "eventbus.recovery.retry-poll-interval", "20ms"));
        List<Map<String, String>> events = new ArrayList<>();
        events.add(event("s-1#0", "fail", "before-attempt-3")); // two retries, each needs a slot
        for (int seq = 1; seq <= 15; seq++) {
            events.add(event("s-1#" + seq));
            events.add(event("s-2#" + (seq - 1)));
        }
        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publishAll("it-stream", events);
            Streams.await("every event handled", Duration.ofSeconds(30), () -> orders.appliedCount() == events.size());
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
        }
        List<String> s1 = orders.calls().stream().map(ReceivedCall::requestEventId).filter(id -> id.startsWith("s-1#"))
                .toList();
        List<String> expected = new ArrayList<>();
        for (int seq = 0; seq <= 15; seq++) {
            expected.add("s-1#" + seq);
        }
        assertEquals(expected, s1, "s-1 in stream order, its first event after its retries");
    }

    /**
     * Seed 1001: a dead letter that could not be written (Redis out of memory) left its event
     * holding the subject, while the subject's later events took every slot, so the reclaim that
     * would bring it back never got one. The event must be tried again while Redis refuses writes,
     * then dead-lettered once Redis accepts them, and its subject must go on.
     */
    @Test
    void aHeldEventWhoseDeadLetterFailedIsTriedAgainAndDeadLetteredWhenRedisRecoversItsSubjectGoesOn()
            throws Exception {
        System.clearProperty("eventbus.it.release-hold");
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "ordered", Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handlers.recorder.max-in-flight", 1,
                "eventbus.consumer.read-ahead", 2,
                "eventbus.recovery.interval", "200ms",
                "eventbus.recovery.claim-idle", "1s"));
        try (Streams streams = new Streams(REDIS.uri())) {
            String doomed = streams.publish("it-stream", event("s-1#0", "hold", "yes", "fail", "never-again"));
            List<Map<String, String>> later = new ArrayList<>();
            for (int seq = 1; seq <= 4; seq++) {
                later.add(event("s-1#" + seq));
                later.add(event("s-2#" + (seq - 1)));
            }
            streams.publishAll("it-stream", later);
            Streams.await("s-1#0 running", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") >= 1);
            REDIS.command("CONFIG", "SET", "maxmemory", "1"); // every write that may grow memory is refused
            try {
                System.setProperty("eventbus.it.release-hold", "true"); // it fails for good: dead letter refused
                Streams.await("s-1#0 tried again while its dead letter cannot be written", Duration.ofSeconds(20),
                        () -> deliveries(streams, doomed) >= 3);
                assertTrue(streams.redis().xrange("eventbus:dlq:recorder", Range.create("-", "+")).isEmpty());
                assertTrue(orders.calls().stream().noneMatch(c -> c.requestEventId().startsWith("s-1#")),
                        "s-1's later events wait for s-1#0");
            } finally {
                REDIS.command("CONFIG", "SET", "maxmemory", "0");
            }
            Streams.await("every other event handled", Duration.ofSeconds(20), () -> orders.appliedCount() == later.size());
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
            List<StreamMessage<String, String>> dlq = streams.redis().xrange("eventbus:dlq:recorder", Range.create("-", "+"));
            assertEquals(1, dlq.size());
            assertEquals(doomed, dlq.get(0).getBody().get("eventbus-source-id"));
        }
        assertEquals(List.of("s-1#1", "s-1#2", "s-1#3", "s-1#4"), orders.calls().stream()
                .map(ReceivedCall::requestEventId).filter(id -> id.startsWith("s-1#")).toList());
    }

    /**
     * Seed 677731082: a read whose reply is lost. Redis is paused (CLIENT PAUSE WRITE) when the
     * reader asks for s-1#0, so the read times out here but runs in Redis when the pause ends:
     * s-1#0 is then pending here, delivered and unseen. The reader must read it again before the
     * later events of its subject, not leave it for recovery.claim-idle (10 min here) while they go
     * ahead. One worker, nothing read ahead: the held event "h-1#0" takes the only slot, so s-1's
     * events wait in the stream until it ends, which the test lets happen during the pause.
     */
    @Test
    void entriesOfAReadWhoseReplyWasLostAreHandledFirstInStreamOrderWithoutWaitingForClaimIdle()
            throws Exception {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "ordered", Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handlers.recorder.max-in-flight", 1,
                "eventbus.consumer.read-ahead", 0,
                "eventbus.consumer.block", "300ms",
                "eventbus.redis.command-timeout", "1s",
                "eventbus.recovery.claim-idle", "10m"));
        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publish("it-stream", event("h-1#0", "hold", "yes"));
            Streams.await("h-1#0 running, its slot taken", Duration.ofSeconds(10),
                    () -> streams.pending("it-stream", "recorder") == 1);
            List<Map<String, String>> later = new ArrayList<>();
            for (int seq = 0; seq <= 4; seq++) {
                later.add(event("s-1#" + seq));
            }
            streams.publishAll("it-stream", later);

            // Writes (XREADGROUP, XACK, XADD) wait in Redis for 3 s; the runtime gives up on them after 1 s.
            REDIS.command("CLIENT", "PAUSE", "3000", "WRITE");
            System.setProperty("eventbus.it.release-hold", "true"); // the slot frees: the reader asks for s-1#0
            Streams.await("the reader's read timed out", Duration.ofSeconds(10),
                    () -> runtime.view().readerStates().get(0).failure().contains("timed out"));

            Streams.await("all of s-1 handled", Duration.ofSeconds(30),
                    () -> orders.calls().stream().map(ReceivedCall::requestEventId).filter(id -> id.startsWith("s-1#"))
                            .distinct().count() == later.size());
            Streams.await("nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
        }
        List<ReceivedCall> s1 = orders.calls().stream().filter(c -> c.requestEventId().startsWith("s-1#")).toList();
        assertEquals(List.of("s-1#0", "s-1#1", "s-1#2", "s-1#3", "s-1#4"),
                s1.stream().map(ReceivedCall::requestEventId).toList(), "s-1 in stream order, each once");
        assertTrue(s1.get(0).attempt() > 1, "s-1#0 came back from this consumer's pending list (the lost read "
                + "delivered it once): attempt " + s1.get(0).attempt());
    }

    private static long deliveries(Streams streams, String id) {
        List<PendingMessage> p = streams.redis().xpending("it-stream", io.lettuce.core.Consumer.from("recorder", "ordered"),
                Range.create(id, id), Limit.from(1));
        return p.isEmpty() ? 0 : p.get(0).getRedeliveryCount();
    }
}
