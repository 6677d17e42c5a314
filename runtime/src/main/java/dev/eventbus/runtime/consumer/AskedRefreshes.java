package dev.eventbus.runtime.consumer;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology refreshes other clients ask of one cluster client ({@link TopologyChanges#askRefresh},
 * {@link TopologyChanges#commandTimedOut}): at most one per {@code spacing}, and one at a time. A
 * refresh waits up to its topology timeout for a frozen node, and one begun before a promotion that
 * ends after a later one put the older view back (the promoted node's slots without a primary
 * again, a second after events flowed; found from outside). Asked while one runs: one more runs
 * once it is done. Asked within the spacing: one more runs once the spacing is over (dropped, the
 * news of a promotion that came 0.3 s after the news of the failed primary was lost, and the
 * admin side's view, readiness's and status's, said "no primary serves slot N" for 2-4 s more;
 * found from outside). Never blocks the asking thread.
 *
 * <p>Thread-safe.
 */
final class AskedRefreshes implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(AskedRefreshes.class);

    private final Supplier<? extends CompletionStage<?>> refresh;
    private final long spacingNanos;
    private final LongSupplier nanoTime;
    /** An asked refresh is running. */
    private final AtomicBoolean refreshing = new AtomicBoolean();
    /** A refresh was asked while one ran: one more follows it. */
    private final AtomicBoolean again = new AtomicBoolean();

    private final AtomicLong lastAsked;

    /** Runs a task once the spacing is over. */
    private final Consumer<Runnable> afterSpacing;

    /** A run is waiting for the spacing to be over. */
    private final AtomicBoolean deferred = new AtomicBoolean();

    /**
     * @param refresh starts one refresh of the client's topology (e.g. {@code refreshPartitionsAsync})
     * @param spacing two clients whose views differ for a moment mid-failover would otherwise have
     *     each other refresh back and forth
     */
    AskedRefreshes(Supplier<? extends CompletionStage<?>> refresh, Duration spacing, LongSupplier nanoTime) {
        this(
                refresh,
                spacing,
                nanoTime,
                task -> CompletableFuture.delayedExecutor(spacing.toNanos(), TimeUnit.NANOSECONDS)
                        .execute(task));
    }

    /** @param afterSpacing runs a task once {@code spacing} is over (a test's by hand) */
    AskedRefreshes(
            Supplier<? extends CompletionStage<?>> refresh,
            Duration spacing,
            LongSupplier nanoTime,
            Consumer<Runnable> afterSpacing) {
        this.afterSpacing = afterSpacing;
        this.refresh = refresh;
        this.spacingNanos = spacing.toNanos();
        this.nanoTime = nanoTime;
        this.lastAsked = new AtomicLong(nanoTime.getAsLong() - spacingNanos);
    }

    /** Asks for a refresh: it starts now, after the one running, or once the spacing is over (asked too soon). */
    @Override
    public void run() {
        long now = nanoTime.getAsLong();
        long last = lastAsked.get();
        if (now - last < spacingNanos || !lastAsked.compareAndSet(last, now)) {
            if (deferred.compareAndSet(false, true)) { // one for every ask meanwhile
                afterSpacing.accept(() -> {
                    deferred.set(false);
                    run();
                });
            }
            return;
        }
        if (!refreshing.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        refreshNow();
    }

    /** Called holding {@link #refreshing}; lets it go when the refresh is done. */
    private void refreshNow() {
        try {
            refresh.get().whenComplete((ignored, e) -> {
                if (e != null) {
                    LOG.debug("topology refresh asked by another client failed: {}", e.toString());
                }
                done();
            });
        } catch (RuntimeException e) {
            LOG.debug("topology refresh asked by another client failed: {}", e.toString());
            done();
        }
    }

    private void done() {
        if (again.getAndSet(false)) {
            refreshNow(); // still holding refreshing
        } else {
            refreshing.set(false);
            if (again.getAndSet(false) && refreshing.compareAndSet(false, true)) {
                refreshNow(); // asked between the two lines above
            }
        }
    }
}
