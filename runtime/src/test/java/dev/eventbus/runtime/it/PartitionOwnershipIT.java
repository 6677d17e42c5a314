package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.producer.PublishedEntry;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.it.HandlerCalls.Call;
import dev.eventbus.runtime.ownership.OwnershipView;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An ordered handler on a partitioned stream, run by several runtime instances on one Redis: each
 * partition is read by its lease holder only. An oracle records every handler call (instance,
 * subject, sequence number, idempotency key, start and end) while one instance stops gracefully,
 * one joins, and one is frozen (no heartbeat, no renewal) past its lease and then thaws.
 */
class PartitionOwnershipIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 8);
    private static final int SUBJECTS = 200;
    private static final int EVENTS_PER_SUBJECT = 10;

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final HandlerCalls calls = new HandlerCalls();

    /** Breakers off and long deadlines: a loaded machine slows calls down, it must not fail them. */
    private static final Map<String, Object> SETTINGS = Map.of(
            "eventbus.grpc.defaults.deadline", "60s",
            "eventbus.grpc.circuit-breaker.failure-threshold", 0,
            "eventbus.consumer.shutdown-grace", "30s",
            "eventbus.streams.it-stream.partitions", 8,
            "eventbus.handlers.recorder.ordered-by-subject", true,
            "eventbus.ownership.lease-ttl", "3s",
            "eventbus.ownership.renew-every", "500ms",
            "eventbus.ownership.safety-margin", "1s",
            "eventbus.consumer.block", "500ms");

    private EventbusRuntime start(String instance) {
        return env.start(instance, SETTINGS, calls.observer(instance));
    }

    @Test
    void perSubjectOrderHoldsAcrossInstancesThatStopJoinAndFreeze() throws Exception {
        EventbusRuntime a = start("inst-a");
        EventbusRuntime b = start("inst-b");
        EventbusRuntime c = start("inst-c");
        Streams.await("all 8 partitions owned by live instances", Duration.ofSeconds(15), () -> {
            OwnershipView v = a.view().ownership();
            return v.unowned().isEmpty()
                    && v.owned().values().stream().mapToInt(List::size).sum() == 8
                    && v.instances().size() == 3;
        });

        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            EventPublisher publisher = new EventPublisher(connection.sync(), List.of(STREAM));
            EventbusRuntime d = null;
            for (int seq = 1; seq <= EVENTS_PER_SUBJECT; seq++) {
                for (int s = 0; s < SUBJECTS; s++) {
                    publisher.publish(
                            "it-stream",
                            OutgoingEvent.of("it.recorded")
                                    .subject("order-" + s)
                                    .field("seq", Integer.toString(seq)));
                }
                if (seq == 3) {
                    b.stop(); // graceful: drains, acknowledges, releases; the others take over
                    assertTrue(
                            !a.view().ownership().owned().containsKey("inst-b")
                                    && a.view().ownership().instances().stream()
                                            .noneMatch(i -> i.id().equals("inst-b")),
                            "a stopped instance has left the live set and released its leases: "
                                    + a.view().ownership());
                } else if (seq == 5) {
                    d = start("inst-d"); // joins: takes its share from the others' handovers
                } else if (seq == 6) {
                    c.ownershipCoordinator().freeze(true); // a paused process: no heartbeat, no renewal
                    EventbusRuntime frozen = c;
                    Streams.await(
                            "the frozen instance's partitions taken over by others",
                            Duration.ofSeconds(15),
                            () -> frozen.ownershipCoordinator().leases().stream()
                                            .allMatch(l -> !l.mayDispatch())
                                    && !a.view().ownership().owned().containsKey("inst-c")
                                    && a.view().ownership().unowned().isEmpty());
                } else if (seq == 8) {
                    c.ownershipCoordinator().freeze(false); // thaws: rejoins, takes its share again
                }
                Thread.sleep(100); // events keep flowing while instances come and go
            }
            EventbusRuntime joined = d;
            Streams.await(
                    "every event handled",
                    Duration.ofSeconds(90),
                    () -> calls.stream()
                                    .map(x -> x.subject() + "#" + x.seq())
                                    .distinct()
                                    .count()
                            == SUBJECTS * EVENTS_PER_SUBJECT);
            Streams.await(
                    "nothing pending on any partition",
                    Duration.ofSeconds(15),
                    () -> Streams.pending(connection.sync(), STREAM, "recorder") == 0);
            assertTrue(
                    calls.stream().anyMatch(x -> x.instance().equals("inst-d")),
                    "the instance that joined handled events");
            assertTrue(joined != null);
        } finally {
            client.shutdown();
        }

        List<Call> all = calls.all();
        Map<String, List<Call>> bySubject =
                all.stream().collect(Collectors.groupingBy(Call::subject, HashMap::new, Collectors.toList()));
        assertEquals(SUBJECTS, bySubject.size());
        int duplicates = 0;
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<Call>> e : bySubject.entrySet()) {
            List<Call> list = new ArrayList<>(e.getValue());
            list.sort(Comparator.comparingLong(Call::startNanos));
            Map<Integer, String> firstId = new HashMap<>();
            Set<Integer> seen = new HashSet<>();
            Call previous = null;
            for (Call call : list) {
                if (previous != null) {
                    if (call.startNanos() < previous.endNanos()) {
                        problems.add(e.getKey() + ": " + call + " overlaps " + previous);
                    }
                    if (call.seq() != previous.seq() && call.seq() != previous.seq() + 1) {
                        problems.add(e.getKey() + ": " + call.seq() + " after " + previous.seq());
                    }
                } else if (call.seq() != 1) {
                    problems.add(e.getKey() + ": first call is seq " + call.seq());
                }
                if (!seen.add(call.seq())) {
                    duplicates++;
                    if (!call.eventId().equals(firstId.get(call.seq()))) {
                        problems.add(e.getKey() + ": duplicate of " + call.seq() + " with another idempotency key");
                    }
                }
                firstId.putIfAbsent(call.seq(), call.eventId());
                previous = call;
            }
            if (seen.size() != EVENTS_PER_SUBJECT) {
                problems.add(e.getKey() + ": lost " + (EVENTS_PER_SUBJECT - seen.size()));
            }
        }
        System.out.printf(
                "ownership oracle: %d calls, %d duplicates, per instance %s%n",
                all.size(),
                duplicates,
                all.stream().collect(Collectors.groupingBy(Call::instance, Collectors.counting())));
        assertEquals(List.of(), problems.stream().limit(20).toList());
    }

    /**
     * A real process frozen with SIGSTOP past its lease while it owns partitions: the others take
     * them over (its pending entries first), the frozen reader cannot take new entries after it
     * thaws (fenced), and it rejoins. The oracle is the order service: per subject, the calls it
     * receives follow the sequence numbers. The child is stopped while idle: a call frozen in the
     * middle is the README's documented window, not tested here.
     */
    @Test
    void aProcessFrozenWithSigstopPastItsLeaseIsFencedOutAndItsPartitionsTakenOver() throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                ChildRuntime.class.getName(),
                "eventbus.redis.uri=" + REDIS.uri(),
                "eventbus.plugins-dir=" + env.plugins(),
                "eventbus.consumer-name=inst-s",
                "eventbus.grpc.services.\"orders.v1.OrderService\".target="
                        + env.orders().target()));
        SETTINGS.forEach((k, v) -> command.add(k + "=" + v));
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            EventbusRuntime a = start("inst-a");
            start("inst-b");
            Streams.await("the child live and owning partitions", Duration.ofSeconds(60), () -> {
                OwnershipView v = a.view().ownership();
                return v.instances().size() == 3
                        && v.unowned().isEmpty()
                        && !v.owned().getOrDefault("inst-s", List.of()).isEmpty();
            });
            int subjects = 100;
            Map<String, Integer> seqOf = new HashMap<>();
            RedisClient client = RedisClient.create(REDIS.uri());
            try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
                EventPublisher publisher = new EventPublisher(connection.sync(), List.of(STREAM));
                publishSeqs(publisher, subjects, 1, 3, seqOf);
                awaitHandled(seqOf.size(), connection);

                new ProcessBuilder("kill", "-STOP", Long.toString(child.pid()))
                        .start()
                        .waitFor();
                publishSeqs(publisher, subjects, 4, 6, seqOf);
                Streams.await("the frozen child's partitions taken over", Duration.ofSeconds(30), () -> {
                    OwnershipView v = a.view().ownership();
                    return !v.owned().containsKey("inst-s") && v.unowned().isEmpty();
                });
                awaitHandled(seqOf.size(), connection);

                new ProcessBuilder("kill", "-CONT", Long.toString(child.pid()))
                        .start()
                        .waitFor();
                Streams.await(
                        "the thawed child owning partitions again",
                        Duration.ofSeconds(30),
                        () -> !a.view()
                                .ownership()
                                .owned()
                                .getOrDefault("inst-s", List.of())
                                .isEmpty());
                publishSeqs(publisher, subjects, 7, 8, seqOf);
                awaitHandled(seqOf.size(), connection);
            } finally {
                client.shutdown();
            }
            Map<String, List<Integer>> received = new HashMap<>();
            for (ReceivedCall call : env.orders().calls()) {
                received.computeIfAbsent(call.orderId(), k -> new ArrayList<>())
                        .add(seqOf.get(call.orderId() + "/" + call.eventId()));
            }
            List<String> problems = new ArrayList<>();
            received.forEach((subject, seqs) -> {
                for (int i = 1; i < seqs.size(); i++) {
                    int step = seqs.get(i) - seqs.get(i - 1);
                    if (step != 0 && step != 1) {
                        problems.add(subject + " " + seqs);
                        return;
                    }
                }
                if (seqs.get(0) != 1 || seqs.get(seqs.size() - 1) != 8) {
                    problems.add(subject + " " + seqs);
                }
            });
            assertEquals(subjects, received.size());
            assertEquals(List.of(), problems);
        } finally {
            new ProcessBuilder("kill", "-CONT", Long.toString(child.pid()))
                    .start()
                    .waitFor();
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void publishSeqs(
            EventPublisher publisher, int subjects, int from, int to, Map<String, Integer> seqOf) {
        for (int seq = from; seq <= to; seq++) {
            for (int s = 0; s < subjects; s++) {
                PublishedEntry entry = publisher.publish(
                        "it-stream",
                        OutgoingEvent.of("it.recorded").subject("order-" + s).field("seq", Integer.toString(seq)));
                seqOf.put("order-" + s + "/" + entry.id(), seq);
            }
        }
    }

    private void awaitHandled(int events, StatefulRedisConnection<byte[], byte[]> connection) throws Exception {
        Streams.await(
                events + " events handled, nothing pending",
                Duration.ofSeconds(60),
                () -> env.orders().calls().stream()
                                        .map(c -> c.orderId() + "/" + c.eventId())
                                        .distinct()
                                        .count()
                                == events
                        && Streams.pending(connection.sync(), STREAM, "recorder") == 0);
    }
}
