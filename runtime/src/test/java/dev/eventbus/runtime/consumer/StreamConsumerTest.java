package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.config.ConsumerSettings;
import dev.eventbus.runtime.config.RecoverySettings;
import dev.eventbus.runtime.dispatch.ManualDispatch;
import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.protocol.CommandType;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * The owner of one running subscription: what it does with the parts it owns. The parts are real
 * (reader, retry poller, reclaimer, slots, bytes budget, dispatch); only what faces Redis is
 * scripted by the test: the reader's connection, and the round of the poller's and the
 * reclaimer's loops (through their {@link PartitionGate}, which runs each round). The workers of
 * the dispatch never start unless the test runs them.
 */
class StreamConsumerTest {

    private static final int MAX_IN_FLIGHT = 2;
    private static final int READ_AHEAD = 5;
    private static final Duration BLOCK = Duration.ofMillis(20);
    private static final Duration PERIOD = Duration.ofMillis(10);

    /** What one round of a part does when it reaches Redis. */
    @FunctionalInterface
    private interface Behaviour {
        void run() throws InterruptedException;
    }

    private static final Behaviour WORKS = () -> {};

    /** Blocks the round until the test lets go, noting when it came in and when it left. */
    private static final class Stuck implements Behaviour {
        final CountDownLatch in = new CountDownLatch(1);
        final CountDownLatch letGo = new CountDownLatch(1);
        final AtomicLong leftAt = new AtomicLong();

        @Override
        public void run() throws InterruptedException {
            in.countDown();
            try {
                letGo.await();
            } finally {
                leftAt.set(System.nanoTime());
            }
        }
    }

    private static Behaviour failing(String why) {
        return () -> {
            throw new RedisCommandExecutionException("ERR " + why);
        };
    }

    /** The round of a loop beside the reader: the gate runs it, so the test decides what it does. */
    private static final class ScriptedGate extends OpenGateRounds {
        volatile Behaviour round = WORKS;

        @Override
        public void ifOwned(java.util.function.LongConsumer realRound) {
            try {
                round.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Workers that never start by themselves. */
    private static final class ManualThreads implements Executor {
        final Queue<Runnable> started = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            started.add(task);
        }

        synchronized int count() {
            return started.size();
        }
    }

    private final Subscription sub = ManualDispatch.subscription();
    private final ManualThreads workers = new ManualThreads();
    private final EntrySlots slots = new EntrySlots(MAX_IN_FLIGHT + READ_AHEAD);
    private final HeldBytes held = new HeldBytes(1 << 20, slots);
    private final TopologyChanges changes = new TopologyChanges();
    private final ScriptedGate pollerGate = new ScriptedGate();
    private final ScriptedGate reclaimerGate = new ScriptedGate();
    /** What the reader's next Redis command does; it reaches Redis only while the budget allows reads. */
    private volatile Behaviour redis = WORKS;

    private volatile int budget;
    /** Why the budget is 0, as the reader's pause line should give it. */
    private volatile String pausedBecause = "paused by the test";
    /** Whether the subscription's acknowledgements have room: false, as if Redis did not confirm them. */
    private volatile boolean ackRoom = true;
    /** When set, the room is there at each wait for it and gone at the look that follows (odd asks, even asks). */
    private volatile boolean roomGoneAfterEachWait;

    private final AtomicInteger roomAsks = new AtomicInteger();

    /** When set, the reader's budget allows reads at each first ask of an iteration and none at the second. */
    private volatile boolean budgetGoneAfterEachAsk;

    private final AtomicInteger budgetAsks = new AtomicInteger();

    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger connectionCloses = new AtomicInteger();
    private volatile boolean connectionCloseThrows;
    private final List<String> released = Collections.synchronizedList(new ArrayList<>());
    private final List<Stuck> stuck = new ArrayList<>();
    /** Why the client fails to reconnect, as its ReconnectFailures would say; null: no attempt failed yet. */
    private volatile Throwable reconnectFailure;

    private final ReconnectReason reconnect = () -> java.util.Optional.ofNullable(reconnectFailure);

    private SubscriptionDispatch dispatch;
    private StreamReader reader;
    private RetryPoller retries;
    private PendingReclaimer reclaimer;
    private StreamConsumer consumer;

    @AfterEach
    void tearDown() throws InterruptedException {
        stuck.forEach(s -> s.letGo.countDown());
        if (consumer != null) {
            consumer.stop();
            changes.changed(); // ends a back-off the reader is in
            consumer.awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            retries.loop().awaitEnd(Duration.ofSeconds(5));
            reclaimer.loop().awaitEnd(Duration.ofSeconds(5));
        }
    }

    /** Reads no entry (its budget is 0) until the test says otherwise, so it touches no Redis. */
    private StreamConsumer consumer(boolean ordered) {
        dispatch = ManualDispatch.open(
                sub,
                ordered,
                MAX_IN_FLIGHT,
                workers,
                slots,
                () -> roomGoneAfterEachWait ? roomAsks.incrementAndGet() % 2 == 1 : ackRoom);
        RecoverySettings recovery = new RecoverySettings(
                PERIOD, Duration.ofMinutes(1), PERIOD, 10, Duration.ofHours(1), Duration.ofMinutes(1));
        ConsumerSettings settings = new ConsumerSettings(
                BLOCK, 1 << 20, "$", READ_AHEAD, 1 << 20, 10, PERIOD, 100, Duration.ZERO, "dlq:", false);
        retries = new RetryPoller(
                sub,
                null,
                reconnect,
                "c-1",
                null,
                slots,
                held,
                1 << 20,
                dispatch,
                () -> budget,
                PERIOD,
                Clock.systemUTC(),
                pollerGate);
        reclaimer = new PendingReclaimer(
                sub, null, reconnect, "c-1", null, slots, held, 1 << 20, dispatch, recovery, null, reclaimerGate);
        RedisConnection<byte[], byte[]> connection = new RedisConnection<>(connection(), commands(), null, reconnect);
        reader = new StreamReader(
                sub,
                connection,
                "c-1",
                settings,
                dispatch,
                slots,
                held,
                null,
                new ReadBudget(
                        () -> budgetGoneAfterEachAsk
                                ? (budgetAsks.incrementAndGet() % 2 == 1 ? Integer.MAX_VALUE : 0)
                                : budget,
                        () -> pausedBecause),
                () -> { // as StreamConsumerFactory wires it
                    retries.loop().start();
                    reclaimer.loop().start();
                },
                Duration.ofSeconds(1),
                changes,
                PartitionGate.OPEN);
        consumer = new StreamConsumer(
                sub, connection, MAX_IN_FLIGHT, READ_AHEAD, slots, held, dispatch, reader, retries, reclaimer);
        return consumer;
    }

    /** Every command runs {@link #redis}, then fails as an error reply would (nothing to read). */
    @SuppressWarnings("unchecked")
    private RedisClusterCommands<byte[], byte[]> commands() {
        return (RedisClusterCommands<byte[], byte[]>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisClusterCommands.class}, (proxy, method, args) -> {
                    if (method.getName().equals("dispatch") && args[0] == CommandType.XREADGROUP) {
                        reads.incrementAndGet();
                    }
                    redis.run();
                    throw new RedisCommandExecutionException("ERR nothing to read");
                });
    }

    @SuppressWarnings("unchecked")
    private StatefulConnection<byte[], byte[]> connection() {
        return (StatefulConnection<byte[], byte[]>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {StatefulConnection.class}, (proxy, method, args) -> {
                    if (method.getName().equals("close")) {
                        connectionCloses.incrementAndGet();
                        if (connectionCloseThrows) {
                            throw new IllegalStateException("connection already broken");
                        }
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private Stuck stuck() {
        Stuck s = new Stuck();
        stuck.add(s);
        return s;
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(20)).until(condition);
    }

    @Test
    void startStartsTheReaderWhichStartsTheOtherLoops() {
        StreamConsumer c = consumer(false);
        assertFalse(c.isReading());
        assertEquals(ReaderState.Phase.STARTING, c.state().phase());

        c.start();

        assertTrue(c.isReading());
        assertEquals(ReaderState.Phase.READING, c.state().phase());
        assertTrue(retries.loop().isRunning(), "the group exists: the retry poller runs");
        assertTrue(reclaimer.loop().isRunning(), "the group exists: the reclaimer runs");
    }

    /**
     * Redis does not confirm the subscription's acknowledgements (they are at {@code ack-limit}): its
     * reader reads nothing more, and reads again once there is room. The workers never wait for it.
     */
    @Test
    void theReaderReadsNothingWhileItsAcknowledgementsAreAtTheirLimit() {
        ackRoom = false;
        StreamConsumer c = consumer(false);
        budget = Integer.MAX_VALUE;
        c.start();
        sleep(BLOCK.multipliedBy(10));
        assertEquals(0, reads.get(), "no read while the acknowledgements have no room");

        ackRoom = true;

        await("a read once there is room", () -> reads.get() > 0);
    }

    /**
     * The room was there when the reader began to wait for slots and bytes, and the entries in hand
     * filled it meanwhile: it looks again right before reading, and reads nothing.
     */
    @Test
    void theReaderLooksForAcknowledgementRoomAgainRightBeforeItReads() {
        roomGoneAfterEachWait = true;
        StreamConsumer c = consumer(false);
        budget = Integer.MAX_VALUE;
        c.start();
        await("several iterations", () -> roomAsks.get() >= 20);
        assertEquals(0, reads.get(), "no read after the room was gone at the last look");
    }

    /**
     * The handler's gRPC circuit allowed reads when the reader began to wait for room, slots and
     * bytes, and opened meanwhile: it asks again right before reading, and reads nothing.
     */
    @Test
    void theReaderAsksItsBudgetAgainRightBeforeItReads() {
        budgetGoneAfterEachAsk = true;
        StreamConsumer c = consumer(false);
        c.start();
        await("several iterations", () -> budgetAsks.get() >= 20);
        assertEquals(0, reads.get(), "no read after the circuit opened during the waits");
    }

    /**
     * A subscription paused for a reason other than a gRPC outage (an old partition layout that
     * drains) logs that reason, the status's text: every new-layout subscription logged "a gRPC
     * service its handler calls is unavailable", even for handlers that call none.
     */
    @Test
    void thePauseLineGivesTheReasonTheBudgetGives() {
        pausedBecause = LayoutDrain.PAUSED_BECAUSE;
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger readerLog = (Logger) LoggerFactory.getLogger(StreamReader.class);
        readerLog.addAppender(log);
        try {
            consumer(false).start();
            await(
                    "the pause line",
                    () -> log.list.stream()
                            .anyMatch(e -> e.getFormattedMessage().contains(" paused: ")));
        } finally {
            readerLog.detachAppender(log);
        }
        List<String> lines = log.list.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(" paused: "))
                .toList();
        assertEquals(List.of("subscription " + sub.name() + " paused: " + LayoutDrain.PAUSED_BECAUSE), lines);
    }

    @Test
    void stopStopsTheReaderThePollerAndTheReclaimer() {
        StreamConsumer c = consumer(false);
        c.start();

        c.stop();

        assertFalse(c.isReading());
        assertEquals(ReaderState.Phase.STOPPED, c.state().phase());
        assertFalse(retries.loop().isRunning(), "the retry poller stopped");
        assertFalse(reclaimer.loop().isRunning(), "the reclaimer stopped");
    }

    @Test
    void awaitIdleWaitsForTheReaderToLeaveRedis() throws InterruptedException {
        StreamConsumer c = consumer(false);
        Stuck inRead = stuck();
        redis = inRead;
        budget = Integer.MAX_VALUE;
        c.start();
        assertTrue(inRead.in.await(10, TimeUnit.SECONDS), "the reader is in a read");
        c.stop();

        Thread.ofVirtual().start(() -> {
            sleep(Duration.ofMillis(300));
            inRead.letGo.countDown();
        });
        boolean idle = c.awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        long returnedAt = System.nanoTime();

        assertTrue(idle);
        assertTrue(inRead.leftAt.get() != 0, "returned while the reader was still in its read");
        assertTrue(returnedAt >= inRead.leftAt.get());
    }

    @Test
    void awaitIdleGivesUpOnAStuckReaderAtTheDeadline() throws InterruptedException {
        StreamConsumer c = consumer(false);
        Stuck inRead = stuck();
        redis = inRead;
        budget = Integer.MAX_VALUE;
        c.start();
        assertTrue(inRead.in.await(10, TimeUnit.SECONDS), "the reader is in a read");
        c.stop();

        long t0 = System.nanoTime();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> c.awaitIdle(t0 + TimeUnit.MILLISECONDS.toNanos(300)));
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(waited.compareTo(Duration.ofMillis(250)) >= 0, "gave up after only " + waited);
        assertEquals(0, inRead.leftAt.get(), "the reader is still in its read");
    }

    @Test
    void awaitIdleWaitsForTheEntriesInFlightUpToTheDeadline() throws InterruptedException {
        StreamConsumer c = consumer(false);
        c.start();
        slots.take(1); // an entry still running
        c.stop();

        assertFalse(c.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200)), "an entry is in flight");

        Thread.ofVirtual().start(() -> {
            sleep(Duration.ofMillis(200));
            slots.release();
        });
        assertTrue(c.awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)), "its slot came back");
        assertEquals(0, c.slotsTaken());
    }

    @Test
    void awaitIdleDoesNotWaitForAnEventHeldBehindItsSubjectsRetryWhichStaysPendingWhenTheLanesClose()
            throws InterruptedException {
        StreamConsumer c = consumer(true);
        c.start();
        holdSubjectWithOneWaiting();
        c.stop();

        long t0 = System.nanoTime();
        assertTrue(c.awaitIdle(t0 + TimeUnit.SECONDS.toNanos(3)), "nothing runs: only 2-0 waits, behind 1-0's retry");
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(waited.compareTo(Duration.ofSeconds(1)) < 0, "waited " + waited + " for what could not run");
        assertEquals(0, workers.count(), "2-0 was not started");
        assertEquals(1, c.slotsTaken(), "2-0 keeps its slot until the lanes close");
        c.close();
        assertEquals(List.of("1-0", "2-0"), released, "2-0 left its lane unstarted: it stays pending");
        assertEquals(0, c.slotsTaken());
        assertEquals(0, workers.count());
    }

    @Test
    void awaitIdleWaitsForTheRetryPollersRoundInProgressWhichMayLetAHeldSubjectGoOn() throws InterruptedException {
        StreamConsumer c = consumer(true);
        holdSubjectWithOneWaiting();
        // A round in Redis when the stop comes, which finds 1-0 settled by another consumer (as
        // RetryPoller.settled does): 2-0 goes on, and must run before the stop goes on.
        CountDownLatch in = new CountDownLatch(1);
        AtomicLong leftAt = new AtomicLong();
        pollerGate.round = () -> {
            if (in.getCount() == 0) {
                return;
            }
            in.countDown();
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                Thread.interrupted(); // a call already on its way to Redis: the stop's interrupt does not cut it short
                Thread.onSpinWait();
            }
            dispatch.settledElsewhere("1-0");
            leftAt.set(System.nanoTime());
        };
        c.start();
        assertTrue(in.await(10, TimeUnit.SECONDS), "the poller is in a round");
        c.stop();
        Thread runner = Thread.ofVirtual()
                .start(
                        () -> { // the workers: run 2-0 once it is handed to one
                            while (leftAt.get() == 0 || workers.count() > 0) {
                                Runnable task;
                                synchronized (workers) {
                                    task = workers.started.poll();
                                }
                                if (task != null) {
                                    task.run();
                                }
                                sleep(Duration.ofMillis(5));
                            }
                        });

        boolean idle = c.awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
        long returnedAt = System.nanoTime();
        runner.join(Duration.ofSeconds(5));

        assertTrue(idle);
        assertTrue(
                leftAt.get() != 0 && returnedAt >= leftAt.get(), "returned while the poller's round was in progress");
        assertEquals(List.of("1-0", "2-0"), released, "2-0 ran, and was done before the stop went on");
        assertEquals(0, c.slotsTaken());
    }

    /**
     * 1-0 read again with its retry scheduled holds subject a (its slot goes back at once); 2-0 of
     * a, read after it, waits in the lane behind it, on a lent slot. Each takes its slot as the
     * reader would.
     */
    private void holdSubjectWithOneWaiting() throws InterruptedException {
        for (var entry : List.of(ManualDispatch.awaitingRetry("1-0", "a"), ManualDispatch.entry("2-0", "a"))) {
            slots.take(1);
            dispatch.dispatch(entry, () -> {
                released.add(entry.id());
                slots.release();
            });
        }
        assertEquals(List.of("1-0"), released);
        assertEquals(1, slots.taken());
        assertEquals(0, workers.count());
    }

    @Test
    void closeClosesTheConnectionAndTheOrderingLanes() {
        StreamConsumer c = consumer(true);
        dispatchTwoOfOneSubject();

        c.close();

        assertEquals(1, connectionCloses.get(), "the reader's connection is closed");
        assertEquals(List.of("2-0"), released, "the entry waiting in its lane left at once");
    }

    @Test
    void closeClosesTheLanesEvenWhenTheConnectionCloseThrows() {
        StreamConsumer c = consumer(true);
        dispatchTwoOfOneSubject();
        connectionCloseThrows = true;

        assertDoesNotThrow(c::close);

        assertEquals(1, connectionCloses.get());
        assertEquals(List.of("2-0"), released, "the lanes closed all the same");
    }

    /** The first is handed to a worker that never starts; the second waits behind it in its lane. */
    private void dispatchTwoOfOneSubject() {
        for (String id : List.of("1-0", "2-0")) {
            dispatch.dispatch(ManualDispatch.entry(id, "a"), () -> released.add(id));
        }
        assertEquals(List.of(), released);
    }

    @Test
    void failureNamesTheReaderFirstThenTheReclaimerThenThePoller() {
        StreamConsumer c = consumer(false);
        redis = failing("reader down");
        budget = Integer.MAX_VALUE;
        pollerGate.round = failing("poller down");
        reclaimerGate.round = failing("reclaimer down");
        c.start();
        await(
                "all three fail",
                () -> !reader.failure().isEmpty()
                        && !retries.loop().failure().isEmpty()
                        && !reclaimer.loop().failure().isEmpty());
        assertTrue(c.failure().contains("reader down"), c.failure());

        budget = 0; // reads nothing: touches no Redis, so the next round works
        changes.changed(); // ends its back-off
        await("the reader works again", () -> reader.failure().isEmpty());
        assertTrue(c.failure().contains("reclaimer down"), c.failure());

        reclaimerGate.round = WORKS;
        reclaimer.loop().wake();
        await("the reclaimer works again", () -> reclaimer.loop().failure().isEmpty());
        assertTrue(c.failure().contains("poller down"), c.failure());

        pollerGate.round = WORKS;
        retries.loop().wake();
        await("the poller works again", () -> retries.loop().failure().isEmpty());
        assertEquals("", c.failure());
    }

    enum Part {
        READER,
        POLLER,
        RECLAIMER
    }

    @ParameterizedTest
    @EnumSource(Part.class)
    void aSubscriptionComesRoundOnlyWhenEachOfItsLoopsDoes(Part part) throws InterruptedException {
        Duration stall = Duration.ofMillis(500);
        StreamConsumer c = consumer(false);
        c.start();
        assertTrue(c.comesRound(stall), "all three come round");

        Stuck s = stuck();
        switch (part) {
            case READER -> {
                redis = s;
                budget = Integer.MAX_VALUE;
            }
            case POLLER -> pollerGate.round = s;
            case RECLAIMER -> reclaimerGate.round = s;
        }
        assertTrue(s.in.await(10, TimeUnit.SECONDS), part + " is in a round");
        await(part + " stalls", () -> !comesRound(part, stall));

        for (Part other : Part.values()) {
            if (other != part) {
                assertTrue(comesRound(other, stall), other + " still comes round");
            }
        }
        assertFalse(c.comesRound(stall), part + " is stuck");
    }

    private void script(Part part, Behaviour b) {
        switch (part) {
            case READER -> {
                redis = b;
                budget = Integer.MAX_VALUE;
            }
            case POLLER -> pollerGate.round = b;
            case RECLAIMER -> reclaimerGate.round = b;
        }
    }

    /**
     * A round whose command was cut by the client's own close of its connection (on a cluster: a
     * node left its view, its replica promoted) runs again at once and does not show as failing:
     * sampled every millisecond for longer than the first back-off (200 ms), no failure is seen;
     * without the retry it shows for that whole back-off.
     */
    @ParameterizedTest
    @EnumSource(Part.class)
    void aRoundCutByTheClientClosingItsConnectionRunsAgainWithoutFailing(Part part) throws InterruptedException {
        CountDownLatch cut = new CountDownLatch(1);
        script(part, () -> {
            if (cut.getCount() > 0) {
                budget = 0; // the reader's next round reads nothing, so it works (its scripted commands fail)
                cut.countDown();
                throw new RedisException("Connection closed");
            }
        });
        StreamConsumer c = consumer(false);
        c.start();
        assertTrue(cut.await(10, TimeUnit.SECONDS), part + " ran a round");
        assertEquals(List.of(), failuresSeen(c, () -> false, Duration.ofMillis(400)));
    }

    /**
     * Right after a cut the client may still be connecting to the slot's new node and rejects the
     * commands meanwhile ("Currently not connected"): waited out, not shown as failing (seen in a
     * loaded run: the retry at once was rejected, and counted).
     */
    @ParameterizedTest
    @EnumSource(Part.class)
    void aCutsRetryRejectedWhileTheClientConnectsIsWaitedOut(Part part) throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch connected = new CountDownLatch(1);
        script(part, () -> {
            int call = calls.incrementAndGet();
            if (call == 1) {
                throw new RedisException("Connection closed");
            }
            if (call <= 4) {
                if (call == 4) {
                    budget = 0; // the reader's next round reads nothing, so it works
                    connected.countDown();
                }
                throw new RedisException("Currently not connected. Commands are rejected.");
            }
        });
        StreamConsumer c = consumer(false);
        c.start();
        List<String> seen = new ArrayList<>(failuresSeen(c, () -> connected.getCount() == 0, Duration.ofSeconds(10)));
        assertEquals(0, connected.getCount(), part + " tried while the client connected");
        seen.addAll(failuresSeen(c, () -> false, Duration.ofMillis(400)));
        assertEquals(List.of(), seen);
    }

    /**
     * The distinct failures the subscription reports, sampled every millisecond for {@code atMost}
     * or until {@code done}: a failure shown even briefly is caught.
     */
    private static List<String> failuresSeen(StreamConsumer c, BooleanSupplier done, Duration atMost)
            throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long until = System.nanoTime() + atMost.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < until) {
            String f = c.failure();
            if (!f.isEmpty() && !seen.contains(f)) {
                seen.add(f);
            }
            Thread.sleep(1);
        }
        return seen;
    }

    /** A rejection not right after a cut is a failure as before: an outage is reported, not waited out. */
    @ParameterizedTest
    @EnumSource(Part.class)
    void aRejectionWithoutACutFails(Part part) {
        script(part, () -> {
            throw new RedisException("Currently not connected. Commands are rejected.");
        });
        StreamConsumer c = consumer(false);
        c.start();
        await(part + " fails", () -> c.failure().contains("Currently not connected"));
    }

    /**
     * Lettuce's "Currently not connected" says nothing of why reconnecting fails; before a reconnect
     * attempt failed, each part's failure points to the check that will say (found from outside:
     * every subscription line said only that).
     */
    @ParameterizedTest
    @EnumSource(Part.class)
    void aPartRejectedWhileDisconnectedPointsToTheRedisCheck(Part part) {
        script(part, () -> {
            throw new RedisException("Currently not connected. Commands are rejected.");
        });
        StreamConsumer c = consumer(false);
        c.start();
        await(part + " fails", () -> c.failure().startsWith("not connected to Redis, reconnecting: the 'redis' check"));
        assertTrue(c.failure().contains("Currently not connected"), c.failure());
    }

    /**
     * Once a reconnect attempt failed, each part says why, as readiness does (found from outside:
     * the retry poller's and the reclaimer's lines still said only Lettuce's words).
     */
    @ParameterizedTest
    @EnumSource(Part.class)
    void aPartRejectedWhileDisconnectedSaysWhyReconnectingFails(Part part) {
        reconnectFailure = new io.lettuce.core.RedisConnectionException(
                "Unable to connect to 127.0.0.1:6391", new java.net.ConnectException("Connection refused"));
        script(part, () -> {
            throw new RedisException("Currently not connected. Commands are rejected.");
        });
        StreamConsumer c = consumer(false);
        c.start();
        await(part + " fails", () -> !c.failure().isEmpty());
        assertEquals("not connected to Redis, reconnecting: ConnectException: Connection refused", c.failure());
    }

    /** Once only: a second cut in a row is a failure like any other. */
    @ParameterizedTest
    @EnumSource(Part.class)
    void aRoundCutTwiceInARowFails(Part part) {
        script(part, () -> {
            throw new RedisException("Connection closed");
        });
        StreamConsumer c = consumer(false);
        c.start();
        await(part + " fails", () -> c.failure().contains("Connection closed"));
    }

    private boolean comesRound(Part part, Duration stall) {
        return switch (part) {
            case READER -> reader.comesRound(stall);
            case POLLER -> retries.loop().comesRound(stall);
            case RECLAIMER -> reclaimer.loop().comesRound(stall);
        };
    }

    @Test
    void stateReportsRunningAndWaitingEntriesAgainstTheirLimits() {
        StreamConsumer c = consumer(false);
        c.start();
        ReaderState idle = c.state();
        assertEquals(0, idle.inFlight());
        assertEquals(0, idle.readAhead());
        assertEquals(MAX_IN_FLIGHT, idle.maxInFlight());
        assertEquals(READ_AHEAD, idle.maxReadAhead());
        assertEquals(ReaderState.Phase.READING, idle.phase());
        assertEquals("", idle.failure());

        for (String id : List.of("1-0", "2-0", "3-0", "4-0")) {
            dispatch.dispatch(ManualDispatch.entry(id, id), () -> released.add(id));
        }
        ReaderState busy = c.state();

        int running = workers.count();
        assertTrue(running >= 1 && running <= MAX_IN_FLIGHT, running + " workers");
        assertEquals(running, busy.inFlight(), "a worker started for each running entry");
        assertEquals(4 - running, busy.readAhead(), "the others wait for a worker");
        assertEquals(MAX_IN_FLIGHT, busy.maxInFlight());
        assertEquals(READ_AHEAD, busy.maxReadAhead());
        assertEquals(sub, busy.subscription());
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
