package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.codahale.metrics.Gauge;
import dev.eventbus.producer.EventPublisher;
import dev.eventbus.producer.OutgoingEvent;
import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.MetricsSettings;
import dev.eventbus.runtime.metrics.EventbusMetrics;
import dev.eventbus.runtime.metrics.MetricNames;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.ownership.Lease;
import dev.eventbus.runtime.ownership.OwnershipCoordinator;
import dev.eventbus.runtime.ownership.OwnershipView;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

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
        return start(instance, partitions, Map.of());
    }

    private EventbusRuntime start(String instance, int partitions, Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "eventbus.grpc.defaults.deadline", "60s",
                "eventbus.grpc.circuit-breaker.failure-threshold", 0,
                "eventbus.handlers.recorder.ordered-by-subject", true,
                "eventbus.ownership.lease-ttl", "3s",
                "eventbus.ownership.renew-every", "300ms",
                "eventbus.ownership.safety-margin", "1s",
                "eventbus.consumer.block", "300ms"));
        settings.put("eventbus.streams.it-stream.partitions", partitions);
        settings.putAll(extra);
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

    /**
     * What each instance shows of the other (status, GetStatus and the owned-partitions gauge read
     * the same view): the leases it holds on the layout it runs. Found from outside: inst-a's
     * /metrics said inst-e owned 0.0 partitions though it held the 4 of its layout, and inst-e's
     * status listed inst-a as owning none of the 8 it held.
     */
    @Test
    void eachInstanceShowsTheLeasesTheOtherHoldsOnItsOwnLayout() throws Exception {
        EventbusRuntime a = start("inst-a", 8);
        EventbusRuntime e = start("inst-e", 4);
        Streams.await(
                "each instance holds every lease of its layout",
                Duration.ofSeconds(20),
                () -> a.view().ownership().instances().size() == 2
                        && e.view().ownership().instances().size() == 2
                        && a.ownershipCoordinator().leases().stream().allMatch(Lease::mayDispatch)
                        && e.ownershipCoordinator().leases().stream().allMatch(Lease::mayDispatch));
        List<String> eight =
                IntStream.range(0, 8).mapToObj(i -> "recorder@" + EIGHT.key(i)).toList();
        List<String> four = IntStream.range(0, 4)
                .mapToObj(i -> "recorder@" + new PartitionedStream("it-stream", 4).key(i))
                .toList();
        for (EventbusRuntime seenFrom : List.of(a, e)) {
            OwnershipView view = seenFrom.view().ownership();
            String from = " (seen from " + view.self() + ")";
            assertEquals(eight, view.ownedBy("inst-a"), "inst-a holds the 8-partition layout" + from);
            assertEquals(four, view.ownedBy("inst-e"), "inst-e holds the 4-partition layout" + from);
            assertEquals(List.of(), view.unowned(), from);
        }
        EventbusMetrics metrics =
                new EventbusMetrics(new MetricsSettings(Duration.ofMinutes(10), false, false), Clock.systemUTC());
        try (FailFastRedis redis = new FailFastRedis(a.config().redis())) {
            metrics.start(a.view(), new StatusReader(redis, "eventbus:dlq:", Clock.systemUTC()));
            metrics.pollNow();
            Map<String, Gauge> gauges = metrics.registry().getGauges();
            assertEquals(8L, owned(gauges, "inst-a"));
            assertEquals(4L, owned(gauges, "inst-e"), "inst-a's gauge for inst-e (it said 0)");
        } finally {
            metrics.close();
        }
    }

    /**
     * An instance started with {@code partitions = 8, draining = [4]} among instances on 8 states
     * both layouts at once, so the disagreement is told once and truly. Found from outside: its
     * first statement was made while only the draining layout's subscriptions had registered, so
     * "p4 runs 4; p1, p3 run 8" was logged, then 50 ms later "p4 runs 4 and 8; p1, p3 run 8".
     */
    @Test
    void anInstanceStatesItsLayoutsOnlyOnceEverySubscriptionRegisteredSoNoPartialOneIsWarnedAbout() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(OwnershipCoordinator.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            EventbusRuntime a = start("inst-a", 8);
            Streams.await(
                    "inst-a holds its layout",
                    Duration.ofSeconds(20),
                    () -> a.ownershipCoordinator().leases().stream().allMatch(Lease::mayDispatch));
            Map<String, Object> settings = new HashMap<>(Map.of("eventbus.streams.it-stream.draining", List.of(4)));
            EventbusRuntime b = start("inst-b", 8, settings);
            String expected =
                    "stream it-stream: live instances disagree on its partition count: inst-b runs 4 and 8; inst-a runs 8";
            Streams.await(
                    "both tell the disagreement",
                    Duration.ofSeconds(20),
                    () -> a.ownershipCoordinator().mismatches().equals(List.of(expected))
                            && b.ownershipCoordinator().mismatches().equals(List.of(expected)));
            Thread.sleep(1_000); // a few more rounds: nothing else is told
            List<String> told = lines.list.stream()
                    .filter(e -> e.getLevel() == Level.WARN)
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("disagree"))
                    .toList();
            assertEquals(2, told.size(), "once by each instance: " + told);
            assertTrue(told.stream().allMatch(m -> m.startsWith("ownership: " + expected + ";")), told.toString());
        } finally {
            logger.detachAppender(lines);
        }
    }

    private static Object owned(Map<String, Gauge> gauges, String instance) {
        return gauges.get(MetricNames.name(MetricNames.OWNED_PARTITIONS, MetricNames.L_INSTANCE, instance))
                .getValue();
    }
}
