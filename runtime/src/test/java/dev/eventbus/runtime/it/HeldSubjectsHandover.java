package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.ownership.OwnershipView;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A handover of partitions whose ordered subjects are held: inst-a owns the 8 partitions of
 * {@code it-stream}; each of 16 subjects gets four events, the first of which fails once, so its
 * retry is scheduled (8 s away) and the other three wait behind it in its lane; then inst-b starts
 * and takes partitions over before any retry is due. Returns once every event was handled and
 * nothing is pending, with how long the handover took: what the old owner still holds, and in what
 * order the events ran, is the test's to judge.
 */
final class HeldSubjectsHandover {

    static final int SUBJECTS = 16;

    /**
     * @param handoverMillis from inst-b's start until every partition was held by the instance it
     *     is assigned to
     */
    record Owners(EventbusRuntime first, EventbusRuntime second, long handoverMillis) {}

    private HeldSubjectsHandover() {}

    /**
     * On the single stream {@code it-stream} of {@code rt}: four events for each of {@code subjects}
     * subjects, the first failing once; returns once each first event's retry is scheduled and the
     * other three wait behind it in its lane.
     *
     * @return the retry set's key
     */
    static String holdSubjects(RuntimeFixture env, EventbusRuntime rt, int subjects, Duration wait)
            throws InterruptedException {
        for (int s = 0; s < subjects; s++) {
            for (int seq = 1; seq <= 4; seq++) {
                Map<String, String> fields = new HashMap<>(
                        Map.of("type", "it.recorded", "subject", "order-" + s, "seq", Integer.toString(seq)));
                if (seq == 1) {
                    fields.put("fail", "before-attempt-2");
                }
                env.publish("it-stream", fields);
            }
        }
        String retries = RetryStore.dueKey("recorder", "it-stream");
        Streams.await(
                "each subject's first event failed, its retry scheduled, the other three waiting behind it",
                wait,
                () -> env.streams().redis().zcard(retries) == subjects && slotsTaken(rt) == 3 * subjects);
        return retries;
    }

    static Owners run(RuntimeFixture env, HandlerCalls calls, String redisUri, Duration wait) throws Exception {
        return run(env, calls, redisUri, wait, Map.of());
    }

    /** @param overrides settings over the ones below (a longer grace or back-off) */
    static Owners run(
            RuntimeFixture env, HandlerCalls calls, String redisUri, Duration wait, Map<String, Object> overrides)
            throws Exception {
        PartitionedStream stream = new PartitionedStream("it-stream", 8);
        Map<String, Object> settings = new HashMap<>(Map.ofEntries(
                Map.entry("eventbus.streams.it-stream.partitions", 8),
                Map.entry("eventbus.handlers.recorder.ordered-by-subject", true),
                // Due well after the handover: until then the failed event holds its lane.
                Map.entry("eventbus.handlers.recorder.retry.backoff.initial", "8s"),
                Map.entry("eventbus.handlers.recorder.retry.backoff.jitter", 0),
                Map.entry("eventbus.recovery.retry-poll-interval", "100ms"),
                Map.entry("eventbus.recovery.interval", "1s"),
                Map.entry("eventbus.ownership.lease-ttl", "5s"),
                Map.entry("eventbus.ownership.renew-every", "1s"),
                Map.entry("eventbus.ownership.safety-margin", "2s"),
                // Also the longest a handover waits for the partition's events in flight.
                Map.entry("eventbus.consumer.shutdown-grace", "2s"),
                Map.entry("eventbus.consumer.block", "500ms")));
        settings.putAll(overrides);
        EventbusRuntime a = env.start("inst-a", settings, calls.observer("inst-a"));
        Streams.await("inst-a owns all 8 partitions", wait, () -> {
            OwnershipView v = a.view().ownership();
            return v.unowned().isEmpty() && v.instances().size() == 1;
        });
        RedisClient client = RedisClient.create(redisUri);
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            EventPublisher publisher = new EventPublisher(connection.sync(), List.of(stream));
            for (int s = 0; s < SUBJECTS; s++) {
                for (int seq = 1; seq <= 4; seq++) {
                    OutgoingEvent event = OutgoingEvent.of("it.recorded")
                            .subject("order-" + s)
                            .field("seq", Integer.toString(seq));
                    publisher.publish("it-stream", seq == 1 ? event.field("fail", "before-attempt-2") : event);
                }
            }
            Streams.await(
                    "three events of each subject waiting in its lane on inst-a",
                    wait,
                    () -> slotsTaken(a) == 3 * SUBJECTS);

            long t = System.nanoTime();
            EventbusRuntime b = env.start("inst-b", settings, calls.observer("inst-b"));
            long handover = new LeaseOwners(connection.sync(), stream, "recorder", Duration.ofSeconds(5))
                    .awaitSettledOn(Set.of("inst-a", "inst-b"), t, wait);
            Streams.await(
                    "every event handled, nothing pending",
                    wait,
                    () -> distinctHandled(calls) == 4 * SUBJECTS
                            && Streams.pending(connection.sync(), stream, "recorder") == 0);
            assertTrue(
                    calls.stream().anyMatch(c -> c.instance().equals("inst-b")),
                    "inst-b took partitions over and handled their events");
            return new Owners(a, b, handover);
        } finally {
            client.shutdown();
        }
    }

    static int slotsTaken(EventbusRuntime runtime) {
        return runtime.view().slotsTaken().values().stream()
                .mapToInt(Integer::intValue)
                .sum();
    }

    static long distinctHandled(HandlerCalls calls) {
        return calls.stream().map(c -> c.subject() + "#" + c.seq()).distinct().count();
    }
}
