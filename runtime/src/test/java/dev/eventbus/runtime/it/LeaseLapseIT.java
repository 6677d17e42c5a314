package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.ownership.OwnershipCoordinator;
import dev.eventbus.runtime.ownership.OwnershipView;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases that keep lapsing while a backlog drains (issue #15: a loaded machine whose instances
 * renew late): each instance in turn stops renewing and heartbeating for a little longer than the
 * lease ttl, then goes on, over and over, as a starved process does. Lapses are acceptable; once
 * the instances renew in time again, every partition's pending entries must be handled well within
 * {@code recovery.claim-idle} (2 minutes), which would otherwise be the only way left for them.
 */
class LeaseLapseIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final PartitionedStream STREAM = new PartitionedStream("it-stream", 8);
    private static final int SUBJECTS = 24;
    private static final int EVENTS_PER_SUBJECT = 250;
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final int STOPS = 12;
    /** Past the local deadline (ttl - margin after the last renewal), short of the ttl: no one else takes over. */
    private static final Duration STOP = Duration.ofMillis(3500);

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final HandlerCalls calls = new HandlerCalls();

    private static final Map<String, Object> SETTINGS = Map.of(
            "eventbus.grpc.defaults.deadline",
            "60s",
            "eventbus.grpc.circuit-breaker.failure-threshold",
            0,
            "eventbus.streams.it-stream.partitions",
            8,
            "eventbus.handlers.recorder.ordered-by-subject",
            true,
            "eventbus.ownership.lease-ttl",
            TTL.toMillis() + "ms",
            "eventbus.ownership.renew-every",
            "1s",
            "eventbus.ownership.safety-margin",
            "2s",
            "eventbus.consumer.block",
            "500ms");

    @Test
    void pendingEntriesAreHandledOnceStoppedProcessesGoOn() throws Exception {
        Map<String, Object> settings = new HashMap<>(SETTINGS);
        settings.put("eventbus.redis.uri", REDIS.uri());
        settings.put("eventbus.plugins-dir", env.plugins().toString());
        settings.put(
                "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                env.orders().target());
        List<InstanceProcess> instances = new ArrayList<>();
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            LeaseOwners leases = new LeaseOwners(connection.sync(), STREAM, "recorder", TTL);
            for (String name : List.of("inst-a", "inst-b", "inst-c")) {
                instances.add(InstanceProcess.start(name, settings, calls));
            }
            Streams.await(
                    "3 live instances owning all 8 partitions",
                    Duration.ofSeconds(90),
                    () -> leases.live().size() == 3 && leases.owners().size() == 8);
            publishBacklog(connection);
            // A starved process, as SIGSTOP makes one: each instance in turn, a little past the ttl.
            for (int round = 0; round < STOPS; round++) {
                InstanceProcess late = instances.get(round % instances.size());
                late.freeze();
                Thread.sleep(STOP.toMillis());
                late.thaw();
                Thread.sleep(300);
            }
            awaitDrained(connection);
        } finally {
            for (InstanceProcess p : instances) {
                p.close();
            }
            client.shutdown();
        }
    }

    @Test
    void pendingEntriesAreHandledOnceLateRenewalsStop() throws Exception {
        List<EventbusRuntime> instances = List.of(
                env.start("inst-a", SETTINGS, calls.observer("inst-a")),
                env.start("inst-b", SETTINGS, calls.observer("inst-b")),
                env.start("inst-c", SETTINGS, calls.observer("inst-c")));
        Streams.await("all 8 partitions owned", Duration.ofSeconds(30), () -> {
            OwnershipView v = instances.get(0).view().ownership();
            return v.unowned().isEmpty() && v.instances().size() == 3;
        });
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            publishBacklog(connection);
            // A starved coordinator thread while the readers and handlers go on.
            for (int round = 0; round < STOPS; round++) {
                OwnershipCoordinator late =
                        instances.get(round % instances.size()).ownershipCoordinator();
                late.freeze(true);
                Thread.sleep(STOP.toMillis());
                late.freeze(false);
                Thread.sleep(300);
            }
            awaitDrained(connection);
        } finally {
            client.shutdown();
        }
    }

    private static void publishBacklog(StatefulRedisConnection<byte[], byte[]> connection) {
        EventPublisher publisher = new EventPublisher(connection.sync(), List.of(STREAM));
        for (int seq = 1; seq <= EVENTS_PER_SUBJECT; seq++) {
            for (int s = 0; s < SUBJECTS; s++) {
                publisher.publish(
                        "it-stream",
                        OutgoingEvent.of("it.recorded")
                                .subject("order-" + s)
                                .field("seq", Integer.toString(seq))
                                .field("sleep-ms", "80"));
            }
        }
    }

    private void awaitDrained(StatefulRedisConnection<byte[], byte[]> connection) throws InterruptedException {
        Streams.await(
                "every event handled and nothing pending",
                Duration.ofSeconds(90),
                () -> distinctHandled() == SUBJECTS * EVENTS_PER_SUBJECT
                        && Streams.pending(connection.sync(), STREAM, "recorder") == 0);
        assertEquals(SUBJECTS * EVENTS_PER_SUBJECT, distinctHandled());
    }

    private long distinctHandled() {
        return calls.stream().map(x -> x.subject() + "#" + x.seq()).distinct().count();
    }
}
