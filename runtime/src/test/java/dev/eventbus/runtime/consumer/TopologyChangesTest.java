package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.RedisReconnect;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RedisTls;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** What ends a wait for a change of the client's view of Redis, and what reports one. */
class TopologyChangesTest {

    @Test
    void aChangeBeforeTheWaitEndsItAtOnceAndNoChangeLetsItRunOut() throws InterruptedException {
        TopologyChanges changes = new TopologyChanges();
        long seen = changes.generation();
        assertFalse(changes.awaitChange(seen, Duration.ofMillis(50)));
        changes.changed(); // while the failed attempt was still under way
        long before = System.nanoTime();
        assertTrue(changes.awaitChange(seen, Duration.ofMinutes(1)));
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(10).toNanos());
    }

    /**
     * Found from outside: the readers resumed only when their own client saw the promotion, seconds
     * after another client of the runtime had. A new topology asks every other client to refresh;
     * a connection made asks none (a refresh makes connections: that would go round for ever).
     */
    @Test
    void aNewTopologyAsksTheOtherClientsToRefreshAndAConnectionMadeDoesNot() throws InterruptedException {
        TopologyChanges changes = new TopologyChanges();
        java.util.concurrent.atomic.AtomicInteger firstRefreshed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger secondRefreshed = new java.util.concurrent.atomic.AtomicInteger();
        Runnable first = firstRefreshed::incrementAndGet;
        changes.addRefresh(first);
        Runnable leave = changes.addRefresh(secondRefreshed::incrementAndGet);
        long seen = changes.generation();
        changes.topologyChanged(first);
        assertTrue(changes.awaitChange(seen, Duration.ZERO), "waiters woken");
        assertEquals(0, firstRefreshed.get(), "the client that saw it already has it");
        assertEquals(1, secondRefreshed.get());
        changes.changed();
        assertEquals(1, secondRefreshed.get(), "a connection made asks no refresh");
        leave.run();
        changes.topologyChanged(first);
        assertEquals(1, secondRefreshed.get(), "a closed client is not asked");
    }

    /** Found from outside: readiness stayed 503 for 14-17 s after a failover, the janitor backed off. */
    @Test
    void aChangeRunsAFailingLoopsNextRoundNowAndForgetsAStoppedLoop() throws Exception {
        TopologyChanges changes = new TopologyChanges();
        java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
        dev.eventbus.runtime.internal.Loop loop = dev.eventbus.runtime.internal.Loop.every(
                "test-janitor",
                Duration.ofHours(1),
                org.slf4j.LoggerFactory.getLogger(TopologyChangesTest.class),
                () -> {
                    rounds.incrementAndGet();
                    throw new IllegalStateException("primary gone");
                });
        changes.rewindOnChange(loop);
        loop.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rounds.get() == 1);
        changes.changed();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> rounds.get() == 2);
        loop.stop();
        loop.awaitEnd(Duration.ofSeconds(10));
        changes.changed();
        Thread.sleep(100);
        assertEquals(2, rounds.get());
    }

    @Test
    void theClusterClientReportsEachNewTopology() {
        RedisSettings settings = new RedisSettings(
                "redis-cluster://127.0.0.1:1,127.0.0.1:2",
                Duration.ofSeconds(3),
                1000,
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                "",
                RedisTls.NONE,
                RedisReconnect.DEFAULT);
        ClusterConnectionOpener opener = new ClusterConnectionOpener(settings);
        try {
            long seen = opener.changes().generation();
            opener.resources().eventBus().publish(new ClusterTopologyChangedEvent(List.of(), List.of()));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> opener.changes().generation() != seen);
        } finally {
            opener.close();
        }
    }
}
