package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.Flag;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.models.stream.PendingMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ordering by subject: one at a time per subject, in stream order, across a retry; subjects in parallel. */
class OrderingIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    /** An event of the recorder's type; {@code id} is {@code <subject>#<sequence>}. */
    private static Map<String, String> event(String id, String... moreFields) {
        Map<String, String> fields =
                new HashMap<>(Map.of("type", "it.recorded", "subject", id.substring(0, id.indexOf('#')), "id", id));
        for (int i = 0; i < moreFields.length; i += 2) {
            fields.put(moreFields[i], moreFields[i + 1]);
        }
        return fields;
    }

    @Test
    void eventsOfOneSubjectAreHandledInStreamOrderOthersConcurrently() throws Exception {
        env.start(
                "ordered",
                Map.of(
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
        env.streams().publishAll("it-stream", events);
        Streams.await(
                "all handled", Duration.ofSeconds(60), () -> env.orders().appliedCount() == subjects * perSubject);
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);

        List<ReceivedCall> calls = env.orders().calls();
        Map<String, Integer> lastSeq = new HashMap<>();
        for (ReceivedCall call : calls) {
            int seq = Integer.parseInt(
                    call.requestEventId().substring(call.requestEventId().indexOf('#') + 1));
            int previous = lastSeq.getOrDefault(call.orderId(), -1);
            assertEquals(
                    previous + 1, seq, "subject " + call.orderId() + " out of order: " + previous + " then " + seq);
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
                .filter(c -> !c.orderId().equals(failingSubject))
                .count();
        assertTrue(othersMeanwhile > 0, "other subjects progressed while " + failingSubject + " was held");
        System.out.printf(
                "ordering: %d events over %d subjects in order; %d calls of other subjects while %s waited"
                        + " for its retry%n",
                calls.size(), subjects, othersMeanwhile, failingSubject);
    }

    @Test
    void aHeldEventTrimmedFromTheStreamIsDeadLetteredAndItsSubjectGoesOn() throws Exception {
        env.start(
                "ordered",
                Map.of(
                        "eventbus.handlers.recorder.ordered-by-subject", true,
                        "eventbus.handler-defaults.retry.backoff.initial", "1500ms",
                        "eventbus.recovery.retry-poll-interval", "20ms"));
        String held = env.publish("it-stream", event("s-1#0", "fail", "always"));
        env.publish("it-stream", event("s-1#1"));
        env.publish("it-stream", event("s-2#0"));
        Streams.await(
                "the other subject handled",
                Duration.ofSeconds(10),
                () -> env.orders().appliedCount() == 1);
        assertEquals("s-2", env.orders().calls().get(0).orderId(), "s-1#1 waits behind s-1#0's retry");

        assertEquals(1, env.streams().redis().xdel("it-stream", held)); // trimmed while its retry is due

        Streams.await(
                "s-1#1 handled", Duration.ofSeconds(10), () -> env.orders().appliedCount() == 2);
        assertEquals("s-1", env.orders().calls().get(1).orderId());
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);
        List<StreamMessage<String, String>> dlq =
                env.streams().redis().xrange("eventbus:dlq:recorder", Range.create("-", "+"));
        assertEquals(1, dlq.size());
        assertEquals(held, dlq.get(0).getBody().get("eventbus-source-id"));
        assertEquals("trimmed", dlq.get(0).getBody().get("eventbus-reason"));
    }

    @Test
    void aSubjectHeldForARetryThatAnotherInstanceTookGoesOn() throws Exception {
        Map<String, Object> ordered = Map.of(
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.handler-defaults.retry.backoff.initial", "300ms",
                "eventbus.recovery.interval", "200ms");
        Map<String, Object> a = new HashMap<>(ordered);
        a.put("eventbus.recovery.retry-poll-interval", "1h"); // a never takes a retry itself
        env.start("a", a);
        env.publish("it-stream", event("s-1#0", "fail", "before-attempt-2"));
        env.publish("it-stream", event("s-1#1"));
        env.publish("it-stream", event("s-2#0"));
        Streams.await(
                "a handled the other subject",
                Duration.ofSeconds(10),
                () -> env.orders().appliedCount() == 1);

        Map<String, Object> bSettings = new HashMap<>(ordered);
        bSettings.put("eventbus.recovery.retry-poll-interval", "20ms");
        env.start("b", bSettings);

        Streams.await(
                "s-1#0 retried by b, and s-1#1 no longer held on a",
                Duration.ofSeconds(15),
                () -> env.orders().appliedCount() == 3);
        ReceivedCall retried = env.orders().calls().stream()
                .filter(c -> c.requestEventId().equals("s-1#0"))
                .findFirst()
                .orElseThrow();
        assertEquals(2, retried.attempt(), "b took the retry (a never polls for retries)");
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);
    }

    @Test
    void aHeldEventWhoseRetryWasLostKeepsItsSubjectUntilItIsReclaimedAndGoesFirst() throws Exception {
        env.start(
                "ordered",
                Map.of(
                        "eventbus.handlers.recorder.ordered-by-subject", true,
                        "eventbus.handler-defaults.retry.backoff.initial", "60s",
                        "eventbus.recovery.interval", "200ms",
                        "eventbus.recovery.claim-idle", "3s"));
        String held = env.publish("it-stream", event("s-1#0", "fail", "before-attempt-2"));
        env.publish("it-stream", event("s-1#1"));
        Streams.await(
                "its retry scheduled",
                Duration.ofSeconds(10),
                () -> env.streams().redis().zscore("eventbus:retry:recorder:it-stream", held) != null);
        // As if the retry's write had failed: the entry is still pending here, with no retry coming.
        assertEquals(1, env.streams().redis().zrem("eventbus:retry:recorder:it-stream", held));

        Thread.sleep(1_200); // six recovery passes
        assertEquals(0, env.orders().appliedCount(), "s-1#1 still waits: s-1#0 is pending here and will come back");

        Streams.await(
                "both handled once s-1#0 is reclaimed",
                Duration.ofSeconds(15),
                () -> env.orders().appliedCount() == 2);
        assertEquals(
                List.of("s-1#0", "s-1#1"),
                env.orders().calls().stream().map(ReceivedCall::requestEventId).toList());
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);
    }

    /**
     * The stall the random fault suite found (seed 863851784): with few slots, the later events of
     * a subject held for its retry took them all, so the retry never got one and the subscription
     * stopped for good. Here 1 worker and 2 read ahead: three waiting events fill the slots.
     */
    @Test
    void eventsWaitingBehindAHeldSubjectNeverTakeTheSlotsItsRetryNeedsEverythingDrains() throws Exception {
        env.start(
                "ordered",
                Map.of(
                        "eventbus.handlers.recorder.ordered-by-subject",
                        true,
                        "eventbus.handlers.recorder.max-in-flight",
                        1,
                        "eventbus.consumer.read-ahead",
                        2,
                        "eventbus.handler-defaults.retry.backoff.initial",
                        "200ms",
                        "eventbus.recovery.retry-poll-interval",
                        "20ms"));
        List<Map<String, String>> events = new ArrayList<>();
        events.add(event("s-1#0", "fail", "before-attempt-3")); // two retries, each needs a slot
        for (int seq = 1; seq <= 15; seq++) {
            events.add(event("s-1#" + seq));
            events.add(event("s-2#" + (seq - 1)));
        }
        env.streams().publishAll("it-stream", events);
        Streams.await(
                "every event handled",
                Duration.ofSeconds(30),
                () -> env.orders().appliedCount() == events.size());
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);
        List<String> s1 = env.orders().calls().stream()
                .map(ReceivedCall::requestEventId)
                .filter(id -> id.startsWith("s-1#"))
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
        Flag release = env.release("release-hold");
        env.start(
                "ordered",
                Map.of(
                        "eventbus.handlers.recorder.ordered-by-subject",
                        true,
                        "eventbus.handlers.recorder.max-in-flight",
                        1,
                        "eventbus.consumer.read-ahead",
                        2,
                        "eventbus.recovery.interval",
                        "200ms",
                        "eventbus.recovery.claim-idle",
                        "1s"));
        String doomed = env.publish("it-stream", event("s-1#0", "hold", release.path(), "fail", "never-again"));
        List<Map<String, String>> later = new ArrayList<>();
        for (int seq = 1; seq <= 4; seq++) {
            later.add(event("s-1#" + seq));
            later.add(event("s-2#" + (seq - 1)));
        }
        env.streams().publishAll("it-stream", later);
        Streams.await(
                "s-1#0 running", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") >= 1);
        REDIS.command("CONFIG", "SET", "maxmemory", "1"); // every write that may grow memory is refused
        try {
            release.raise(); // it fails for good: dead letter refused
            Streams.await(
                    "s-1#0 tried again while its dead letter cannot be written",
                    Duration.ofSeconds(20),
                    () -> deliveries(env.streams(), doomed) >= 3);
            assertTrue(env.streams()
                    .redis()
                    .xrange("eventbus:dlq:recorder", Range.create("-", "+"))
                    .isEmpty());
            assertTrue(
                    env.orders().calls().stream()
                            .noneMatch(c -> c.requestEventId().startsWith("s-1#")),
                    "s-1's later events wait for s-1#0");
        } finally {
            REDIS.command("CONFIG", "SET", "maxmemory", "0");
        }
        Streams.await(
                "every other event handled",
                Duration.ofSeconds(20),
                () -> env.orders().appliedCount() == later.size());
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);
        List<StreamMessage<String, String>> dlq =
                env.streams().redis().xrange("eventbus:dlq:recorder", Range.create("-", "+"));
        assertEquals(1, dlq.size());
        assertEquals(doomed, dlq.get(0).getBody().get("eventbus-source-id"));
        assertEquals(
                List.of("s-1#1", "s-1#2", "s-1#3", "s-1#4"),
                env.orders().calls().stream()
                        .map(ReceivedCall::requestEventId)
                        .filter(id -> id.startsWith("s-1#"))
                        .toList());
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
    void entriesOfAReadWhoseReplyWasLostAreHandledFirstInStreamOrderWithoutWaitingForClaimIdle() throws Exception {
        Flag release = env.release("release-hold");
        EventbusRuntime runtime = env.start(
                "ordered",
                Map.of(
                        "eventbus.handlers.recorder.ordered-by-subject",
                        true,
                        "eventbus.handlers.recorder.max-in-flight",
                        1,
                        "eventbus.consumer.read-ahead",
                        0,
                        "eventbus.consumer.block",
                        "300ms",
                        "eventbus.redis.command-timeout",
                        "1s",
                        "eventbus.recovery.claim-idle",
                        "10m"));
        env.publish("it-stream", event("h-1#0", "hold", release.path()));
        Streams.await(
                "h-1#0 running, its slot taken",
                Duration.ofSeconds(10),
                () -> env.streams().pending("it-stream", "recorder") == 1);
        List<Map<String, String>> later = new ArrayList<>();
        for (int seq = 0; seq <= 4; seq++) {
            later.add(event("s-1#" + seq));
        }
        env.streams().publishAll("it-stream", later);

        // Writes (XREADGROUP, XACK, XADD) wait in Redis for 3 s; the runtime gives up on them after 1 s.
        REDIS.command("CLIENT", "PAUSE", "3000", "WRITE");
        release.raise(); // the slot frees: the reader asks for s-1#0
        Streams.await(
                "the reader's read timed out",
                Duration.ofSeconds(10),
                () -> runtime.view().readerStates().get(0).failure().contains("timed out"));

        Streams.await(
                "all of s-1 handled",
                Duration.ofSeconds(30),
                () -> env.orders().calls().stream()
                                .map(ReceivedCall::requestEventId)
                                .filter(id -> id.startsWith("s-1#"))
                                .distinct()
                                .count()
                        == later.size());
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);
        List<ReceivedCall> s1 = env.orders().calls().stream()
                .filter(c -> c.requestEventId().startsWith("s-1#"))
                .toList();
        assertEquals(
                List.of("s-1#0", "s-1#1", "s-1#2", "s-1#3", "s-1#4"),
                s1.stream().map(ReceivedCall::requestEventId).toList(),
                "s-1 in stream order, each once");
        assertTrue(
                s1.get(0).attempt() > 1,
                "s-1#0 came back from this consumer's pending list (the lost read " + "delivered it once): attempt "
                        + s1.get(0).attempt());
    }

    private static long deliveries(Streams streams, String id) {
        List<PendingMessage> p = streams.redis()
                .xpending(
                        "it-stream",
                        io.lettuce.core.Consumer.from("recorder", "ordered"),
                        Range.create(id, id),
                        Limit.from(1));
        return p.isEmpty() ? 0 : p.get(0).getRedeliveryCount();
    }
}
