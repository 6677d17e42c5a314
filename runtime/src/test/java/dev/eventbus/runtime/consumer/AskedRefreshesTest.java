package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AskedRefreshesTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** The refreshes started, each completed when the test says. */
    private final List<CompletableFuture<Void>> started = new ArrayList<>();

    private final AskedRefreshes refreshes = new AskedRefreshes(
            () -> {
                CompletableFuture<Void> f = new CompletableFuture<>();
                started.add(f);
                return f;
            },
            Duration.ofMillis(500),
            now::get);

    private void advance(long millis) {
        now.addAndGet(Duration.ofMillis(millis).toNanos());
    }

    /**
     * Found from outside: a refresh begun before a promotion (waiting on the frozen node) ended after
     * a later one and put the older view back. One at a time: asked while one runs, the next starts
     * once it is done, and only then.
     */
    @Test
    void oneAtATimeAndOneMoreAfterTheRunningOneWhenAskedMeanwhile() {
        refreshes.run();
        assertEquals(1, started.size());
        advance(600);
        refreshes.run(); // past the spacing, but the first still runs (a frozen node)
        advance(600);
        refreshes.run();
        assertEquals(1, started.size(), "none beside the running one");
        started.get(0).complete(null);
        assertEquals(2, started.size(), "one more once it is done, for both asks");
        started.get(1).complete(null);
        assertEquals(2, started.size(), "and no third");
    }

    @Test
    void asksWithinTheSpacingAreDroppedAndAFailedRefreshLetsTheNextOneRun() {
        refreshes.run();
        advance(100);
        refreshes.run(); // within 500 ms: dropped
        started.get(0).completeExceptionally(new IllegalStateException("node timed out"));
        assertEquals(1, started.size(), "the ask within the spacing did not queue one");
        advance(500);
        refreshes.run();
        assertEquals(2, started.size(), "a failed refresh does not hold the next");
    }
}
