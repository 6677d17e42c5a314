package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.ownership.Lease;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two instances of one ordered handler that disagree on a stream's partition count: inst-a runs 8
 * partitions, inst-e 4. Found from outside: rendezvous over every live name gave inst-e some of the
 * 8-layout's partitions, inst-a handed them over, inst-e never read them, and their events waited
 * without a word. Now only the instances that run a layout are its candidates, and the mismatch is
 * warned about.
 */
class PartitionLayoutMismatchIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final PartitionedStream EIGHT = new PartitionedStream("it-stream", 8);
    private static final int EVENTS = 200;

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final HandlerCalls calls = new HandlerCalls();

    private EventbusRuntime start(String instance, int partitions) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "eventbus.grpc.defaults.deadline", "60s",
                "eventbus.grpc.circuit-breaker.failure-threshold", 0,
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.ownership.lease-ttl", "3s",
                "eventbus.ownership.renew-every", "300ms",
                "eventbus.ownership.safety-margin", "1s",
                "eventbus.consumer.block", "300ms"));
        settings.put("eventbus.streams.it-stream.partitions", partitions);
        return env.start(instance, settings, calls.observer(instance));
    }

    @Test
    void everyEntryOfALayoutIsHandledWhenAnotherInstanceRunsAnotherCount() throws Exception {
        EventbusRuntime a = start("inst-a", 8);
        EventbusRuntime e = start("inst-e", 4);
        Streams.await(
                "both instances live",
                Duration.ofSeconds(20),
                () -> a.view().ownership().instances().size() == 2
                        && e.view().ownership().instances().size() == 2);
        Thread.sleep(1_000); // a few rounds with both live: a handover to inst-e would have begun

        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            EventPublisher publisher = new EventPublisher(connection.sync(), List.of(EIGHT));
            for (int s = 0; s < EVENTS; s++) {
                publisher.publish(
                        "it-stream",
                        OutgoingEvent.of("it.recorded").subject("order-" + s).field("seq", "1"));
            }
            Streams.await(
                    "every event of the 8-partition layout handled",
                    Duration.ofSeconds(20),
                    () -> calls.stream()
                                    .map(HandlerCalls.Call::subject)
                                    .distinct()
                                    .count()
                            == EVENTS);
        } finally {
            client.shutdown();
        }
        assertTrue(
                calls.stream().allMatch(c -> c.instance().equals("inst-a")),
                "only the instance that runs 8 partitions handles them");
        assertTrue(
                a.ownershipCoordinator().leases().stream().allMatch(Lease::mayDispatch),
                "inst-a keeps every lease of the 8-partition layout");
        assertTrue(
                e.ownershipCoordinator().leases().stream().allMatch(Lease::mayDispatch),
                "inst-e holds every lease of the 4-partition layout (before, inst-a won some and never took them)");
        String expected =
                "stream it-stream: live instances disagree on its partition count: inst-e runs 4; inst-a runs 8";
        assertEquals(List.of(expected), a.ownershipCoordinator().mismatches());
        assertEquals(List.of(expected), e.ownershipCoordinator().mismatches());
    }
}
