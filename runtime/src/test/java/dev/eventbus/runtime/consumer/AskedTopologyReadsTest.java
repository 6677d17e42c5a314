package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.config.RedisReconnect;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RedisTls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * README, "Redis Cluster": topology reads the runtime asks a cluster client for (another client saw
 * a new topology) run one at a time per client, and one asked meanwhile runs once the running one
 * is done. From outside, a read begun before a promotion (waiting 2 s for the frozen node) ended
 * after a newer one and put the old view back. The reads here are the test's own, ended by hand.
 */
class AskedTopologyReadsTest {

    private static final RedisSettings SETTINGS = new RedisSettings(
            "redis-cluster://127.0.0.1:1,127.0.0.1:2",
            Duration.ofSeconds(3),
            1000,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            "",
            RedisTls.NONE,
            RedisReconnect.DEFAULT);

    /** Past the spacing within which a second asked read is not run at all. */
    private static final long PAST_SPACING_MILLIS = 600;

    private final List<CompletableFuture<Void>> reads = new CopyOnWriteArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();

    private ClusterConnectionOpener opener(TopologyChanges changes) {
        return new ClusterConnectionOpener(SETTINGS, changes, true, client -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            CompletableFuture<Void> read = new CompletableFuture<>();
            reads.add(read);
            return read.whenComplete((ignored, e) -> running.decrementAndGet());
        });
    }

    @Test
    void aReadAskedWhileOneRunsWaitsForItAndRunsOnceAfter() throws Exception {
        TopologyChanges changes = new TopologyChanges();
        try (ClusterConnectionOpener opener = opener(changes)) {
            changes.askRefresh(null);
            assertEquals(1, reads.size(), "the first asked read runs at once");

            Thread.sleep(PAST_SPACING_MILLIS);
            changes.askRefresh(null);
            Thread.sleep(PAST_SPACING_MILLIS);
            changes.askRefresh(null);
            assertEquals(1, reads.size(), "asked twice while the first runs: none runs beside it");

            reads.get(0).complete(null);
            assertEquals(2, reads.size(), "one read follows the first, for both asks made meanwhile");
            reads.get(1).complete(null);
            assertEquals(2, reads.size(), "and nothing more");
            assertEquals(1, mostAtOnce.get(), "never two at once");
        }
    }

    @Test
    void aReadAskedWithinTheSpacingIsNotRunNorQueuedAndAFailedReadLetsTheNextRun() throws Exception {
        TopologyChanges changes = new TopologyChanges();
        try (ClusterConnectionOpener opener = opener(changes)) {
            changes.askRefresh(null);
            changes.askRefresh(null); // within the spacing of the first: not run, not queued
            assertEquals(1, reads.size());
            reads.get(0).completeExceptionally(new IllegalStateException("node 127.0.0.1:1 does not answer"));
            assertEquals(1, reads.size(), "the ask within the spacing was dropped, not queued behind the first");

            Thread.sleep(PAST_SPACING_MILLIS);
            changes.askRefresh(null);
            assertEquals(2, reads.size(), "a failed read does not hold the next one back");
            reads.get(1).complete(null);
            assertEquals(2, reads.size());
            assertEquals(1, mostAtOnce.get());
        }
    }

    @Test
    void aReadThatThrowsAtOnceLetsTheNextRun() throws Exception {
        TopologyChanges changes = new TopologyChanges();
        AtomicInteger asked = new AtomicInteger();
        try (ClusterConnectionOpener opener = new ClusterConnectionOpener(SETTINGS, changes, true, client -> {
            if (asked.incrementAndGet() == 1) {
                throw new IllegalStateException("client shut down"); // as Lettuce may, before any future
            }
            return CompletableFuture.completedFuture(null);
        })) {
            changes.askRefresh(null);
            Thread.sleep(PAST_SPACING_MILLIS);
            changes.askRefresh(null);
            assertEquals(2, asked.get(), "a read that threw does not leave the next one waiting for it");
        }
    }
}
