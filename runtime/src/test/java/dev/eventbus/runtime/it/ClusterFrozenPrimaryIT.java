package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.samples.orders.OrderServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A primary that freezes while the runtime reads from it (SIGSTOP: its connections stay open, unlike
 * a kill -9, so nothing tells the client it is gone): the cluster promotes its replica, and the
 * runtime must find the new primary by itself, although the read it sent to the frozen node never
 * returns and no connection breaks.
 */
class ClusterFrozenPrimaryIT {

    private static final String STREAM = "it-stream";
    private static final String GROUP = "recorder";

    @RegisterExtension
    static final ClusterFixture ENV = ClusterFixture.with(GROUP, RecordingHandler.class);

    private FaultProducer producer;
    private RedisServer frozen;

    @AfterEach
    void tearDown() {
        if (producer != null) {
            producer.close();
        }
        if (frozen != null) {
            frozen.resume(); // never leak a stopped redis-server, whatever failed
        }
    }

    @Test
    void aPrimaryFrozenWhileTheRuntimeReadsIsFollowedToItsPromotedReplica() throws Exception {
        RedisCluster cluster = ENV.cluster();
        OrderServer orders = ENV.orders();
        EventbusRuntime runtime = ENV.start("it-1", ClusterFixture.QUICK_RECOVERY);
        DeliveryOracle oracle = new DeliveryOracle("cluster: primary frozen (SIGSTOP)", orders, true);
        producer = new FaultProducer(STREAM, () -> cluster.primaryOf(STREAM).uri(), 1, oracle).start();
        Streams.await("events flowing before the fault", Duration.ofSeconds(30), () -> orders.appliedCount() >= 100);

        frozen = cluster.primaryOf(STREAM);
        Instant frozenAt;
        try (FailFastRedis ops = new FailFastRedis(runtime.config().redis())) {
            assertEquals("", ops.unanswered(Duration.ofSeconds(5)), "every primary answers before the freeze");
            frozenAt = Instant.now();
            frozen.pause();
            // Readiness names the primary that does not answer: a PING through the cluster
            // connection went to one node, and it said all of Redis was down, or all was well,
            // depending on which (found from outside).
            assertEquals(
                    "primary 127.0.0.1:" + frozen.port() + " does not answer (2 of 3 primaries do)",
                    ops.unanswered(Duration.ofMillis(500)));
        }
        followFrom(frozenAt, cluster, orders, runtime, oracle);
    }

    private void followFrom(
            Instant frozenAt, RedisCluster cluster, OrderServer orders, EventbusRuntime runtime, DeliveryOracle oracle)
            throws Exception {
        cluster.awaitFailover(frozen, Duration.ofSeconds(60));
        oracle.faultNow(); // from the promotion: what the runtime itself takes to follow
        Duration promotion = Duration.between(frozenAt, Instant.now());
        RedisServer promoted = cluster.primaryOf(STREAM);
        assertNotEquals(frozen.port(), promoted.port());
        producer.replicas(0); // the promoted node has no replica left while the old primary is frozen
        int handledAtPromotion = orders.appliedCount();

        Instant promotedAt = Instant.now();
        Streams.await(
                "an event handled after the promotion",
                Duration.ofSeconds(60),
                () -> orders.appliedCount() > handledAtPromotion);
        Duration toFollow = Duration.between(promotedAt, Instant.now());
        Streams.await(
                "events handled again after the promotion",
                Duration.ofSeconds(60),
                () -> orders.appliedCount() >= handledAtPromotion + 50);
        // Once events flow from the promoted replica, the subscription stays healthy: readiness
        // reports every loop's failure, and a command other than a read still waiting on the
        // frozen node (the janitor's, the retry poller's) failed ~10 s after the SIGSTOP and
        // turned readiness 503 again for seconds (seen from outside).
        List<String> failures = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(12).toNanos();
        while (System.nanoTime() < until) {
            runtime.view().readerStates().stream()
                    .filter(r -> !r.failure().isEmpty())
                    .map(r -> Duration.between(frozenAt, Instant.now()).toMillis() + " ms after the SIGSTOP: "
                            + r.subscription().name() + " failing: " + r.failure())
                    .forEach(failures::add);
            Thread.sleep(50);
        }
        producer.close();
        oracle.awaitSurvivorsHandled(Duration.ofSeconds(90), r -> List.of());
        oracle.assertVerdict();
        System.out.println("FROZEN-PRIMARY | promotion " + promotion.toMillis()
                + " ms after the SIGSTOP, reading again " + toFollow.toMillis() + " ms after it");
        oracle.printRow();
        assertTrue(runtime.view().readersAlive(), "the same runtime, never restarted, still reading");
        assertEquals(List.of(), failures, "no subscription failing once events flow again");
        // With reads bounded to their BLOCK + 2 s and 2 s topology refreshes asked again every second
        // while the reader waits, about 2 s, at worst about 9 s (a read that timed out before the
        // promotion goes to the frozen node once more); with the 10 s command timeout it was 18 s.
        // The bound leaves room for a busy machine.
        assertTrue(
                toFollow.compareTo(Duration.ofSeconds(15)) < 0,
                "the runtime read from the promoted replica " + toFollow + " after the promotion");
    }
}
