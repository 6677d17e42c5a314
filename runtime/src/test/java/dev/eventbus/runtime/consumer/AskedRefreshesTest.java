package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * README, "Redis Cluster": topology reads the runtime asks a cluster client for (another client saw
 * a new topology) run one at a time per client, and one asked meanwhile runs once the running one
 * is done. From outside, a read begun before a promotion (waiting 2 s for the frozen node) ended
 * after a newer one and put the old view back. The reads here are the test's own, ended by hand,
 * on a clock the test moves.
 */
class AskedRefreshesTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<CompletableFuture<Void>> reads = new CopyOnWriteArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    /** The runs waiting for the spacing to be over, run by hand. */
    private final List<Runnable> afterSpacing = new CopyOnWriteArrayList<>();

    private final AskedRefreshes refreshes = new AskedRefreshes(
            () -> {
                mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                CompletableFuture<Void> read = new CompletableFuture<>();
                reads.add(read);
                return read.whenComplete((ignored, e) -> running.decrementAndGet());
            },
            Duration.ofMillis(500),
            now::get,
            afterSpacing::add);

    /** Past the spacing within which a second asked read is not run at all. */
    private void pastTheSpacing() {
        now.addAndGet(Duration.ofMillis(600).toNanos());
    }

    @Test
    void aReadAskedWhileOneRunsWaitsForItAndRunsOnceAfter() {
        refreshes.run();
        assertEquals(1, reads.size(), "the first asked read runs at once");

        pastTheSpacing();
        refreshes.run();
        pastTheSpacing();
        refreshes.run();
        assertEquals(1, reads.size(), "asked twice while the first runs: none runs beside it");

        reads.get(0).complete(null);
        assertEquals(2, reads.size(), "one read follows the first, for both asks made meanwhile");
        reads.get(1).complete(null);
        assertEquals(2, reads.size(), "and nothing more");
        assertEquals(1, mostAtOnce.get(), "never two at once");
    }

    /**
     * From outside: the news of a promotion came 0.3 s after the news of the failed primary, within
     * the spacing, and was dropped; the admin side's view (readiness, status) said "no primary
     * serves slot N" for 2-4 s more, until its own next refresh.
     */
    @Test
    void aReadAskedWithinTheSpacingRunsOnceTheSpacingIsOver() {
        refreshes.run();
        reads.get(0).complete(null);
        refreshes.run(); // within the spacing of the first
        refreshes.run();
        assertEquals(1, reads.size(), "not run within the spacing");
        assertEquals(1, afterSpacing.size(), "one run waits for the spacing, for both asks");

        pastTheSpacing();
        afterSpacing.remove(0).run();
        assertEquals(2, reads.size(), "run once the spacing is over");
        reads.get(1).complete(null);
        assertEquals(0, afterSpacing.size());
        assertEquals(1, mostAtOnce.get());
    }

    @Test
    void aFailedReadLetsTheNextRun() {
        refreshes.run();
        reads.get(0).completeExceptionally(new IllegalStateException("node 127.0.0.1:1 does not answer"));
        pastTheSpacing();
        refreshes.run();
        assertEquals(2, reads.size(), "a failed read does not hold the next one back");
        reads.get(1).complete(null);
        assertEquals(2, reads.size());
        assertEquals(1, mostAtOnce.get());
    }

    @Test
    void aReadThatThrowsAtOnceLetsTheNextRun() {
        AtomicInteger asked = new AtomicInteger();
        AskedRefreshes throwingFirst = new AskedRefreshes(
                () -> {
                    if (asked.incrementAndGet() == 1) {
                        throw new IllegalStateException("client shut down"); // as Lettuce may, before any future
                    }
                    return CompletableFuture.completedFuture(null);
                },
                Duration.ofMillis(500),
                now::get,
                afterSpacing::add);
        throwingFirst.run();
        pastTheSpacing();
        throwingFirst.run();
        assertEquals(2, asked.get(), "a read that threw does not leave the next one waiting for it");
    }
}
