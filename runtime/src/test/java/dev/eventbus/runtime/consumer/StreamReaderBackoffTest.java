package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.config.ConsumerSettings;
import dev.eventbus.runtime.dispatch.ManualDispatch;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.cluster.PartitionSelectorException;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A reader whose reads fail for want of a connection (a primary killed) tries again at once when
 * the client's view of Redis changes (the replica promoted), and its back-off starts over: without
 * that, its back-off grown during the outage holds the first read after the failover for seconds.
 */
class StreamReaderBackoffTest {

    private final List<Long> attempts = new CopyOnWriteArrayList<>();
    private final TopologyChanges changes = new TopologyChanges();
    private StreamReader reader;

    /** What every call fails with: by default as Lettuce's calls fail while the node is unreachable. */
    private volatile Supplier<RuntimeException> failure =
            () -> new RedisConnectionException("Unable to connect to 127.0.0.1:1");

    /** Commands whose every call fails with {@link #failure}, noting when. */
    @SuppressWarnings("unchecked")
    private RedisClusterCommands<byte[], byte[]> unreachable() {
        return (RedisClusterCommands<byte[], byte[]>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisClusterCommands.class}, (proxy, method, args) -> {
                    attempts.add(System.nanoTime());
                    throw failure.get();
                });
    }

    private StreamReader reader() {
        LoadedHandler handler = new LoadedHandler(
                null,
                HandlerSpec.named("pays").consumes("orders", "paid"),
                "plug",
                "1.0",
                getClass().getClassLoader(),
                ConfigFactory.empty());
        ConsumerSettings settings = new ConsumerSettings(
                Duration.ofMillis(100),
                1 << 20,
                "$",
                16,
                1 << 20,
                10,
                Duration.ofMillis(10),
                100,
                Duration.ZERO,
                "dlq:",
                false);
        EntrySlots slots = new EntrySlots(32);
        Subscription sub = new Subscription(handler, "orders", Set.of("paid"));
        return new StreamReader(
                sub,
                new RedisConnection<>(null, unreachable(), null),
                "c-1",
                settings,
                ManualDispatch.open(sub, false, 1, Runnable::run), // nothing is read, nothing dispatched
                slots,
                new HeldBytes(1 << 20, slots),
                null,
                new ReadBudget(() -> Integer.MAX_VALUE, () -> "never paused"),
                () -> {},
                // A long cap, as a long outage grows: only a change of view may cut the waits short.
                Duration.ofMinutes(1),
                changes,
                PartitionGate.OPEN);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (reader != null) {
            reader.stop(); // ends the wait it is in
            reader.awaitEnd(System.nanoTime() + Duration.ofSeconds(5).toNanos());
        }
    }

    @Test
    void aChangeOfViewEndsTheBackOffAtOnceAndStartsItOver() {
        reader = reader();
        reader.start();
        // Waits of 200, 400, 800 and 1,600 ms: the fifth attempt comes about 3 s in, then 3.2 s of wait.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 5);
        long changedAt = System.nanoTime();
        changes.changed();

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 7);
        Duration toRetry = Duration.ofNanos(attempts.get(5) - changedAt);
        Duration toNext = Duration.ofNanos(attempts.get(6) - attempts.get(5));
        // Without the wake-up: the rest of a 3.2 s wait; with it, the next attempt comes now.
        assertTrue(toRetry.compareTo(Duration.ofMillis(1500)) < 0, "retried " + toRetry + " after the change");
        // Without starting over: 6.4 s; with it, the first wait again (200 ms).
        assertTrue(toNext.compareTo(Duration.ofMillis(2000)) < 0, "then waited " + toNext);
    }

    /**
     * Found from outside, on a 3+3 cluster: during an outage Lettuce's topology refreshes connect
     * to every node, each connection made is a "change", and the reader, woken and its back-off
     * started over by each, tried again every 2-20 ms (34 failures in 3 s) while its log said 200
     * ms. A connection made starts at most one try per second.
     */
    @Test
    void aStormOfChangesDoesNotMakeAFailingReaderRetryFasterThanItsBackOff() throws Exception {
        reader = reader();
        Thread storm = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                changes.changed();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            reader.start();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !attempts.isEmpty());
            long first = attempts.get(0);
            Thread.sleep(1000);
            long inFirstSecond = attempts.stream()
                    .filter(t -> t - first < Duration.ofSeconds(1).toNanos())
                    .count();
            // Before: one attempt per change, 100 or more. Now: the first failure's wait cut short
            // once (back-off started over: 200 ms), then at most one attempt a second by changes.
            assertTrue(inFirstSecond <= 10, inFirstSecond + " attempts in the first second");
            // ... and changes still cut a wait short: the back-off alone makes 3 (at 0, 200 and 600
            // ms), with the changes 4 (0, 0, 200 and 600 ms).
            assertTrue(inFirstSecond >= 4, inFirstSecond + " attempts in the first second");
        } finally {
            storm.interrupt();
            storm.join();
        }
    }

    /**
     * Starts a reader whose reads fail, and lets a connection made start a try late in the streak
     * (after the one that started the back-off over): that try fails too, and for a second no
     * connection made may cut the wait after it (3.2 s), which only a new topology or a stop ends.
     */
    private void startIntoAWaitAConnectionMadeMayNotCutYet() throws InterruptedException {
        reader = reader();
        reader.start();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 5);
        changes.changed(); // the first change of the streak: the back-off starts over
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 9);
        changes.changed(); // a try on this change fails too: for a second no connection made cuts the wait after it
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 10);
        Thread.sleep(100);
    }

    /** A wait no connection made may cut short yet still ends at a stop: shutdown does not wait it out. */
    @Test
    void aStopEndsAWaitNoChangeMayCutShort() throws InterruptedException {
        startIntoAWaitAConnectionMadeMayNotCutYet();

        int beforeStop = attempts.size();
        long stoppedAt = System.nanoTime();
        reader.stop();
        reader.awaitEnd(System.nanoTime() + Duration.ofSeconds(10).toNanos());
        Duration toEnd = Duration.ofNanos(System.nanoTime() - stoppedAt);
        assertTrue(toEnd.compareTo(Duration.ofMillis(1000)) < 0, "the reader ended " + toEnd + " after its stop");
        assertEquals(beforeStop, attempts.size(), "no read after the stop");
        reader = null;
    }

    /**
     * A new topology (a promoted replica, a moved slot) ends even a wait that no connection made may
     * cut short: it is what the failing reads wait for, and rare (the storm is of connections).
     */
    @Test
    void aNewTopologyEndsAWaitNoConnectionMadeMayCutShort() throws InterruptedException {
        startIntoAWaitAConnectionMadeMayNotCutYet();
        int beforeConnection = attempts.size();
        changes.changed(); // only a connection made: it does not end that wait
        Thread.sleep(300);
        assertEquals(beforeConnection, attempts.size(), "a connection made cut the wait short");

        long changedAt = System.nanoTime();
        changes.topologyChanged(() -> {});
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() > beforeConnection);
        Duration toRetry = Duration.ofNanos(attempts.get(beforeConnection) - changedAt);
        assertTrue(toRetry.compareTo(Duration.ofMillis(1000)) < 0, "retried " + toRetry + " after the new topology");
    }

    /**
     * Found from outside, on a cluster: while a slot had no primary in the client's view (its
     * primary failed and left the view before the promoted replica was in it), reads failed with
     * {@code PartitionSelectorException} and the readers backed off, up to 30 s, while the promotion
     * waited for the next periodic refresh. Such a failure asks every client for its topology now,
     * and the reader waits for that (at most 3 s), not for its back-off.
     */
    @Test
    void aSlotWithoutAPrimaryAsksForTheTopologyAndTheReaderWaitsForIt() throws InterruptedException {
        failure = () -> new PartitionSelectorException("Cannot determine a partition for slot 1234", new Partitions());
        AtomicInteger asked = new AtomicInteger();
        changes.addRefresh(asked::incrementAndGet); // a cluster client's: the view can follow a failover
        reader = reader();
        reader.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> asked.get() >= 1);
        Thread.sleep(1000);
        // The back-off alone tried again after 200 and 400 ms.
        assertEquals(1, attempts.size(), "tried again before the topology came: " + attempts.size() + " attempts");

        long changedAt = System.nanoTime();
        changes.topologyChanged(() -> {}); // the view names the promoted replica
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() >= 2);
        Duration toRetry = Duration.ofNanos(attempts.get(1) - changedAt);
        assertTrue(toRetry.compareTo(Duration.ofMillis(1000)) < 0, "retried " + toRetry + " after the new topology");
    }

    @Test
    void withoutAChangeTheBackOffGoesOn() {
        reader = reader();
        reader.start();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 5);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> attempts.size() >= 6);
        Duration wait = Duration.ofNanos(attempts.get(5) - attempts.get(4));
        assertTrue(wait.compareTo(Duration.ofMillis(3000)) >= 0, "waited only " + wait);
    }
}
