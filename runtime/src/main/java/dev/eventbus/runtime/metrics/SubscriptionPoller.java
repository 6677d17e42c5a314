package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each subscription's pending count, lag, oldest pending age, scheduled retries and consumers,
 * and each handler's dead-letter stream length, and derives the scale signal ({@link ScaleSignal});
 * a partitioned stream's figures are also summed per handler and logical stream, from Redis every interval, on its own virtual
 * thread, into gauges. Nothing is read until the runtime is running. A failed poll is counted; the
 * gauges keep their last values; the loop ({@link Loop}) backs off (doubling up to 30 s, back on
 * success) and logs the first failure and each growth of the wait, not every poll. The last readings also answer the
 * admin API's status, so an operator's question costs Redis nothing extra.
 *
 * <p>Thread-safe; polls (the loop's and {@link #pollOnce()} on demand) run one at a time.
 */
public final class SubscriptionPoller implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionPoller.class);

    private final MetricRegistry registry;
    private final StatusReader reader;
    private final BooleanSupplier running;
    private final Supplier<List<Subscription>> subscriptions;
    private final Meter errors;
    private final Map<String, Values> values = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> deadLetters = new ConcurrentHashMap<>();
    private final Predicate<Subscription> waitingOnCircuit;
    private final Function<String, Optional<String>> logicalStream;
    /** Per handler and logical stream (handler@stream): its partitions' figures summed. */
    private final Map<String, LogicalSums> logical = new ConcurrentHashMap<>();

    private final Runnable alsoEachPoll;
    private final Loop loop;

    public SubscriptionPoller(
            MetricRegistry registry,
            StatusReader reader,
            BooleanSupplier running,
            Supplier<List<Subscription>> subscriptions,
            Duration interval) {
        this(registry, reader, running, subscriptions, interval, sub -> false, key -> Optional.empty());
    }

    /**
     * @param waitingOnCircuit whether a subscription's handler waits on an open (or half-open)
     *     circuit now: its backlog then counts nothing in the scale signal ({@link ScaleSignal})
     * @param logicalStream the logical stream a Redis key is a partition of, or empty: such
     *     subscriptions' figures are also summed per handler and logical stream
     */
    public SubscriptionPoller(
            MetricRegistry registry,
            StatusReader reader,
            BooleanSupplier running,
            Supplier<List<Subscription>> subscriptions,
            Duration interval,
            Predicate<Subscription> waitingOnCircuit,
            Function<String, Optional<String>> logicalStream) {
        this(registry, reader, running, subscriptions, interval, waitingOnCircuit, logicalStream, () -> {});
    }

    /** @param alsoEachPoll read with each poll, its failure counted as the poll's (the instance gauges) */
    public SubscriptionPoller(
            MetricRegistry registry,
            StatusReader reader,
            BooleanSupplier running,
            Supplier<List<Subscription>> subscriptions,
            Duration interval,
            Predicate<Subscription> waitingOnCircuit,
            Function<String, Optional<String>> logicalStream,
            Runnable alsoEachPoll) {
        this.alsoEachPoll = alsoEachPoll;
        this.waitingOnCircuit = waitingOnCircuit;
        this.logicalStream = logicalStream;
        this.registry = registry;
        this.reader = reader;
        this.running = running;
        this.subscriptions = subscriptions;
        this.errors = registry.meter(MetricNames.POLL_ERRORS);
        this.loop = Loop.every("eventbus-metrics-poller", interval, LOG, reader.reconnectReason(), this::poll);
    }

    public void start() {
        loop.start();
    }

    /** One subscription's last reading and how old it is. */
    public record Reading(SubscriptionStatus status, Duration age) {}

    /**
     * One poll now, outside the loop: for tests and for a fresh reading before an answer. A failure
     * is counted and logged; the loop's own polls go on as before.
     */
    public void pollOnce() {
        try {
            poll();
        } catch (RuntimeException e) {
            LOG.warn(
                    "metrics poll failed (gauges keep their last values): {}",
                    Errors.describe(e, reader.reconnectReason()));
        }
    }

    /** One poll; a failure is counted, and thrown to the loop, which backs off. */
    private synchronized void poll() {
        if (!running.getAsBoolean()) {
            return;
        }
        RuntimeException failure = null;
        try {
            Map<String, LogicalSums.Sum> sums = new HashMap<>();
            for (Subscription sub : subscriptions.get()) {
                Optional<SubscriptionStatus> status = reader.of(sub.group(), sub.stream());
                boolean waiting = waitingOnCircuit.test(sub);
                status.ifPresent(s -> values(sub.group(), sub.stream(), s).set(s, waiting));
                Optional<String> logicalName = logicalStream.apply(sub.stream());
                if (logicalName.isPresent()) {
                    LogicalSums.Sum sum = sums.computeIfAbsent(
                            sub.group() + "@" + logicalName.get(),
                            k -> new LogicalSums.Sum(sub.group(), logicalName.get()));
                    status.ifPresent(s -> sum.add(s, waiting));
                }
                AtomicLong dlq = deadLetters.computeIfAbsent(sub.group(), h -> {
                    AtomicLong holder = new AtomicLong();
                    register(MetricNames.name(MetricNames.DEAD_LETTERS, MetricNames.L_HANDLER, h), holder::get);
                    return holder;
                });
                dlq.set(status.map(SubscriptionStatus::deadLetters).orElseGet(() -> reader.deadLetters(sub.group())));
            }
            sums.forEach((key, sum) -> logical.computeIfAbsent(key, k -> LogicalSums.register(registry, sum))
                    .set(sum));
        } catch (RuntimeException e) {
            failure = e;
        }
        // Even when the reads above failed: the stream-node gauges it starts with come from the
        // client's own view, and a failover that fails those reads is when they matter most.
        try {
            alsoEachPoll.run();
        } catch (RuntimeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            errors.mark();
            throw failure;
        }
    }

    /**
     * The last reading of a subscription, or empty when its group was never read. A reading is at
     * most about one interval old while polls succeed.
     */
    public Optional<Reading> last(String handler, String stream) {
        Values v = values.get(handler + "@" + stream);
        if (v == null) {
            return Optional.empty();
        }
        Stamped last = v.last;
        return Optional.of(new Reading(last.status(), Duration.ofNanos(System.nanoTime() - last.atNanos())));
    }

    /** Whether the poll loop ran within the last {@code 3 x} its wait (plus a Redis timeout's worth). */
    public boolean alive(Duration slack) {
        return loop.isRunning()
                && loop.comesRound(loop.currentWait().multipliedBy(3).plus(slack));
    }

    private Values values(String handler, String stream, SubscriptionStatus first) {
        return values.computeIfAbsent(handler + "@" + stream, k -> {
            Values v = new Values(first);
            String[] labels = {MetricNames.L_HANDLER, handler, MetricNames.L_STREAM, stream};
            register(
                    MetricNames.name(MetricNames.PENDING, labels),
                    () -> v.status().pending());
            register(
                    MetricNames.name(MetricNames.LAG, labels),
                    () -> v.status().lag() < 0
                            ? Double.NaN
                            : (double) v.status().lag());
            register(
                    MetricNames.name(MetricNames.OLDEST_PENDING_AGE, labels),
                    () -> Math.max(0, v.status().oldestPendingAgeMillis()) / 1000.0);
            register(
                    MetricNames.name(MetricNames.RETRIES_SCHEDULED, labels),
                    () -> v.status().retriesScheduled());
            register(
                    MetricNames.name(MetricNames.CONSUMERS, labels),
                    () -> v.status().consumers());
            register(
                    MetricNames.name(MetricNames.GHOST_CONSUMERS, labels),
                    () -> v.status().ghosts());
            register(MetricNames.name(MetricNames.WORKABLE, labels), () -> v.last.workable());
            return v;
        });
    }

    private void register(String name, Gauge<?> gauge) {
        registry.gauge(name, () -> gauge);
    }

    @Override
    public void close() {
        loop.stop();
    }

    private record Stamped(SubscriptionStatus status, double workable, long atNanos) {}

    /** One subscription's last reading and when it was taken; the gauges and {@link #last} read it. */
    private static final class Values {
        volatile Stamped last;

        Values(SubscriptionStatus first) {
            set(first, false);
        }

        SubscriptionStatus status() {
            return last.status();
        }

        void set(SubscriptionStatus s, boolean waitingOnCircuit) {
            last = new Stamped(s, ScaleSignal.workable(s, waitingOnCircuit), System.nanoTime());
        }
    }
}
