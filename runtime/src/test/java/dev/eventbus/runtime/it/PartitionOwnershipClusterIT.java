package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.it.HandlerCalls.Call;
import dev.eventbus.runtime.ownership.OwnershipView;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Partition ownership on a real Redis Cluster (three primaries): every lease script touches one
 * slot (the partition's tag), the instance registry its own. Two instances share an ordered
 * handler's 8 partitions; per-subject order and no overlap hold, nothing is left pending.
 */
class PartitionOwnershipClusterIT {

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 8);

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with("recorder", RecordingHandler.class);

    private final HandlerCalls calls = new HandlerCalls();

    private EventbusRuntime start(String instance) {
        return ENV.start(
                instance,
                Map.of(
                        "eventbus.streams.it-stream.partitions", 8,
                        "eventbus.handlers.recorder.ordered-by-subject", true,
                        "eventbus.ownership.lease-ttl", "3s",
                        "eventbus.ownership.renew-every", "500ms",
                        "eventbus.ownership.safety-margin", "1s",
                        "eventbus.grpc.defaults.deadline", "60s",
                        "eventbus.grpc.circuit-breaker.failure-threshold", 0),
                calls.observer(instance));
    }

    @Test
    void twoInstancesShareTheLeasesOfAnOrderedHandlerOnAClusterAndKeepPerSubjectOrder() throws Exception {
        EventbusRuntime a = start("inst-a");
        start("inst-b");
        Streams.await("all 8 partitions owned, by both instances", Duration.ofSeconds(30), () -> {
            OwnershipView v = a.view().ownership();
            return v.unowned().isEmpty()
                    && v.owned().size() == 2
                    && v.owned().values().stream().mapToInt(List::size).sum() == 8;
        });
        int subjects = 100;
        int perSubject = 5;
        try (StatefulRedisClusterConnection<byte[], byte[]> connection =
                ENV.client().connect(ByteArrayCodec.INSTANCE)) {
            EventPublisher publisher = new EventPublisher(connection.sync(), List.of(STREAM));
            for (int seq = 1; seq <= perSubject; seq++) {
                for (int s = 0; s < subjects; s++) {
                    publisher.publish(
                            "it-stream",
                            OutgoingEvent.of("it.recorded")
                                    .subject("order-" + s)
                                    .field("seq", Integer.toString(seq)));
                }
            }
            Streams.await(
                    "every event handled",
                    Duration.ofSeconds(60),
                    () -> calls.stream()
                                    .map(c -> c.subject() + "#" + c.seq())
                                    .distinct()
                                    .count()
                            == (long) subjects * perSubject);
            Streams.await(
                    "nothing pending",
                    Duration.ofSeconds(30),
                    () -> Streams.pending(connection.sync(), STREAM, "recorder") == 0);
        }
        List<String> problems = new ArrayList<>();
        calls.stream().collect(Collectors.groupingBy(Call::subject)).forEach((subject, list) -> {
            list.sort(Comparator.comparingLong(Call::startNanos));
            for (int i = 1; i < list.size(); i++) {
                Call before = list.get(i - 1);
                Call call = list.get(i);
                if (call.startNanos() < before.endNanos()
                        || (call.seq() != before.seq() && call.seq() != before.seq() + 1)) {
                    problems.add(subject + ": " + before + " then " + call);
                }
            }
        });
        assertEquals(List.of(), problems);
    }
}
