package dev.eventbus.runtime.internal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LoopTest {

    private static final Logger LOG = LoggerFactory.getLogger(LoopTest.class);
    private static final Duration FIRST = Duration.ofMillis(1);

    @Test
    void survivesEveryErrorBacksOffDoublingAndForgetsTheStreakOnSuccess() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        List<Duration> waitsSeen = new CopyOnWriteArrayList<>();
        List<String> failuresSeen = new CopyOnWriteArrayList<>();
        Loop[] loop = new Loop[1];
        loop[0] = new Loop("test-loop", Thread.ofVirtual().factory(), Duration.ZERO, FIRST, true, LOG, () -> {
            int n = rounds.incrementAndGet();
            waitsSeen.add(loop[0].currentWait());
            failuresSeen.add(loop[0].failure());
            switch (n) {
                case 1 -> throw new IllegalStateException("broken");
                case 2 -> throw new OutOfMemoryError("full");
                case 3 -> throw new AssertionError("still");
                default -> {
                    return n == 4 ? Duration.ZERO : Duration.ofDays(1);
                }
            }
        });
        loop[0].start();
        await().until(() -> rounds.get() >= 5);
        // Each round sees the wait that preceded it: doubling from the first back-off, then the
        // round's own wait again once one worked.
        assertEquals(
                List.of(Duration.ZERO, FIRST, FIRST.multipliedBy(2), FIRST.multipliedBy(4), Duration.ZERO),
                waitsSeen.subList(0, 5));
        assertTrue(failuresSeen.get(2).contains("full"), failuresSeen.toString());
        assertTrue(failuresSeen.get(3).contains("still"), failuresSeen.toString());
        assertEquals("", failuresSeen.get(4));
        assertEquals("", loop[0].failure());
        assertTrue(loop[0].isRunning());
        loop[0].stop();
        loop[0].awaitEnd(Duration.ofSeconds(10));
        assertFalse(loop[0].isRunning());
        assertEquals(5, rounds.get(), "the wait of a day was ended by the stop, not by another round");
    }

    /**
     * Found from outside: every plugin reload logged "InterruptedException; failed 1 time(s)" at
     * WARN for each retry loop it stopped, whose Redis call wraps the stop's interrupt.
     */
    @Test
    void aRoundEndedByTheStopsInterruptIsNoFailure() throws Exception {
        ch.qos.logback.classic.Logger quiet =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(LoopTest.class.getName() + ".stop");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        quiet.addAppender(logged);
        java.util.concurrent.CountDownLatch inRound = new java.util.concurrent.CountDownLatch(1);
        Loop loop = Loop.every("stopped-loop", Duration.ofDays(1), quiet, () -> {
            inRound.countDown();
            try {
                Thread.sleep(Duration.ofDays(1)); // a blocking Redis call
            } catch (InterruptedException e) {
                throw new IllegalStateException("command interrupted", e); // as Lettuce wraps it
            }
        });
        loop.start();
        assertTrue(inRound.await(10, java.util.concurrent.TimeUnit.SECONDS));
        loop.stop();
        loop.awaitEnd(Duration.ofSeconds(10));
        assertFalse(loop.isRunning());
        assertEquals(
                List.of(),
                logged.list.stream().map(e -> e.getFormattedMessage()).toList());
        assertEquals("", loop.failure());
    }

    @Test
    void wakeCutsTheWaitShortAndAnInterruptIsNotAStop() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        Loop loop = new Loop(
                "test-wake", Thread.ofPlatform().daemon(true).factory(), Duration.ZERO, FIRST, false, LOG, () -> {
                    rounds.incrementAndGet();
                    return Duration.ofDays(1);
                });
        loop.start();
        await().until(() -> rounds.get() == 1);
        loop.wake();
        await().until(() -> rounds.get() == 2);
        loop.stop();
        loop.awaitEnd(Duration.ofSeconds(10));
        assertFalse(loop.isRunning());
        assertTrue(loop.comesRound(Duration.ZERO), "a loop stopped on purpose counts as coming round");
        assertEquals(2, rounds.get());
    }

    /**
     * A loop whose first three rounds fail (Redis failing over) and whose later ones work, each
     * noting the wait it came after; a working round waits a day.
     */
    private static Loop failingThreeRounds(String name, Duration firstBackoff, List<Duration> waitsSeen) {
        Loop[] loop = new Loop[1];
        loop[0] = new Loop(name, Thread.ofVirtual().factory(), Duration.ZERO, firstBackoff, true, LOG, () -> {
            waitsSeen.add(loop[0].currentWait());
            if (waitsSeen.size() < 4) {
                throw new IllegalStateException("Redis failing over");
            }
            return Duration.ofDays(1);
        });
        return loop[0];
    }

    /**
     * Found from outside: after a failover the reclaimer, backed off to 15 s, kept readiness at 503
     * that long although Redis answered again; a rewind runs its next round at once and starts its
     * back-off over. Found from outside again: a rewind on every change, many a second during an
     * outage, ran a failing round every few milliseconds; rewinds start at most one round per
     * second (one that comes sooner runs it then).
     */
    @Test
    void rewindRunsAFailingLoopsNextRoundNowAndStartsItsBackOffOver() throws Exception {
        List<Duration> waitsSeen = new CopyOnWriteArrayList<>();
        Duration first = Duration.ofSeconds(10); // doubled stays below Loop.MAX_BACKOFF
        Loop[] loop = {failingThreeRounds("test-rewind", first, waitsSeen)};
        loop[0].start();
        await().until(() -> loop[0].currentWait().equals(first));
        loop[0].rewind(); // still failing: one more round now
        await().until(() -> waitsSeen.size() == 2);
        Thread.sleep(100); // round 2 fails
        loop[0].rewind(); // within a second of the round a rewind started: not yet
        Thread.sleep(300);
        assertEquals(2, waitsSeen.size());
        loop[0].wake(); // round 3, not started by a rewind: fails
        await().until(() -> waitsSeen.size() == 3);
        Thread.sleep(100);
        loop[0].rewind(); // cuts that wait short: works now
        await().atMost(Duration.ofSeconds(10)).until(() -> loop[0].failure().isEmpty());
        // The round after the first rewind waited the first back-off, not double it; the next rewind
        // did not start it over again.
        assertEquals(List.of(Duration.ZERO, first, first, first.multipliedBy(2)), waitsSeen);
        loop[0].rewind(); // rounds work: nothing to rewind, the round's own wait of a day holds
        Thread.sleep(200);
        assertEquals(4, waitsSeen.size());
        loop[0].stop();
        loop[0].awaitEnd(Duration.ofSeconds(10));
    }

    /**
     * A new topology (a promoted replica, a moved slot) is what failing rounds wait for: it runs the
     * next round now even within a second of a round a rewind started (readiness follows the
     * janitor's round after a failover, not a grown back-off).
     */
    @Test
    void aNewTopologyRunsTheNextRoundEvenAfterARoundAChangeStartedFailed() throws Exception {
        List<Duration> waitsSeen = new CopyOnWriteArrayList<>();
        Duration first = Duration.ofSeconds(10);
        Loop[] loop = {failingThreeRounds("test-topology", first, waitsSeen)};
        loop[0].start();
        await().until(() -> loop[0].currentWait().equals(first));
        loop[0].rewind(); // a connection made: one more round now, which fails
        await().until(() -> waitsSeen.size() == 2);
        Thread.sleep(100);
        loop[0].rewind(); // another connection made, within a second of the first: not yet
        Thread.sleep(300);
        assertEquals(2, waitsSeen.size());
        loop[0].rewindForNewTopology(); // the promoted replica: the next round now; it fails (not connected yet)
        await().atMost(Duration.ofSeconds(5)).until(() -> waitsSeen.size() == 3);
        Thread.sleep(100);
        loop[0].rewind(); // the connection to the new primary, made now, cuts that round's wait: it works
        await().atMost(Duration.ofSeconds(5)).until(() -> loop[0].failure().isEmpty());
        assertEquals(4, waitsSeen.size());
        loop[0].stop();
        loop[0].awaitEnd(Duration.ofSeconds(10));
    }

    /** Rewinds every 5 ms while rounds keep failing: they start at most one round a second. */
    @Test
    void aStormOfRewindsDoesNotRunAFailingLoopFasterThanItsBackOff() throws Exception {
        List<Long> rounds = new CopyOnWriteArrayList<>();
        Loop loop = new Loop(
                "test-storm", Thread.ofVirtual().factory(), Duration.ZERO, Duration.ofMillis(100), true, LOG, () -> {
                    rounds.add(System.nanoTime());
                    throw new IllegalStateException("Redis down");
                });
        Thread storm = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                loop.rewind();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            loop.start();
            await().until(() -> !rounds.isEmpty());
            long firstRound = rounds.get(0);
            Thread.sleep(1000);
            long inFirstSecond = rounds.stream()
                    .filter(t -> t - firstRound < Duration.ofSeconds(1).toNanos())
                    .count();
            // Before: a round per rewind, 100 or more. Now: rounds at 0 and 0 (the first rewind), then
            // the back-off alone (100, 300, 700 ms) until a second has passed since that rewind.
            assertTrue(inFirstSecond <= 10, inFirstSecond + " rounds in the first second");
        } finally {
            storm.interrupt();
            storm.join();
            loop.stop();
            loop.awaitEnd(Duration.ofSeconds(10));
        }
    }

    @Test
    void everyWaitsItsInitialWaitAndAStopDuringItEndsTheLoopWithoutARound() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        Loop loop = Loop.every("test-every", Duration.ofDays(1), Duration.ofDays(1), LOG, rounds::incrementAndGet);
        assertTrue(loop.comesRound(Duration.ZERO), "never started");
        loop.start();
        loop.stop();
        loop.awaitEnd(Duration.ofSeconds(10));
        assertEquals(0, rounds.get());
    }
}
