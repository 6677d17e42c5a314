package dev.eventbus.runtime.dispatch;

import static dev.eventbus.runtime.dispatch.DispatchFixtures.entry;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.limits;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.subscription;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.dispatch.DispatchFixtures.Leaves;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingAcks;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingDeadLetters;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingFailures;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingObserver;
import dev.eventbus.runtime.failure.HandlerTimeoutException;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The timeout watchdog on a settable clock, passing every period as its timer does: interrupt past
 * the timeout, abandon past abandon-after, counting the time the process ran, not its pauses.
 */
class WatchdogTest {

    private static final HandlerSettings LIMITS = limits(Duration.ofSeconds(1), Duration.ofSeconds(3));

    private final RecordingAcks acks = new RecordingAcks();
    private final RecordingDeadLetters deadLetters = new RecordingDeadLetters();
    private final RecordingFailures failures = new RecordingFailures();
    private final RecordingObserver observer = new RecordingObserver();
    private final AtomicLong nanos = new AtomicLong();
    private final AbandonedWorkers abandoned = new AbandonedWorkers();
    private final LossRecorder losses = new LossRecorder(deadLetters);
    private final OnFailure onFailure = new OnFailure(failures, losses, observer);
    private final DeliveryPipeline pipeline = new DeliveryPipeline(
            new Admission(new EventCodec(1 << 20), acks, deadLetters, observer),
            HandlerCall.through(
                    List.of(new InterruptClearingStep(), new WatchdogTimingStep(nanos::get)),
                    DeliveryContext.handlerCall(null)),
            new OnSuccess(acks, (sub, id) -> {}, observer),
            onFailure,
            losses,
            abandoned);
    private final HeldEntries held = new HeldEntries(Runnable::run, 4);
    private final Watchdog watchdog = new Watchdog(() -> List.of(held), onFailure, abandoned, nanos::get);

    @Test
    void aWorkerThatIgnoresTheInterruptIsAbandonedItsEntryFailsAsATimeoutOnce() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        Subscription sub = subscription(e -> {
            started.countDown();
            while (true) {
                try {
                    release.await();
                    return; // returns normally in the end, long after its timeout
                } catch (InterruptedException ignored) {
                    sawInterrupt.set(true); // and ignores it
                }
            }
        });
        StreamEntry e = entry("1-0", 1, "type", "paid");
        Delivery d = new Delivery(held, e.id());
        assertTrue(d.hold());
        Leaves leaves = new Leaves();
        Thread worker = Thread.ofVirtual().start(() -> pipeline.run(sub, e, LIMITS, d, leaves));
        started.await();

        passesUntil(900);
        assertFalse(sawInterrupt.get(), "within its timeout");

        passesUntil(1100);
        while (!sawInterrupt.get()) {
            Thread.onSpinWait(); // the interrupt reaches the worker
        }
        assertEquals(List.of(), failures.errors, "interrupted, not abandoned yet");

        passesUntil(4200);
        assertEquals(1, failures.errors.size());
        HandlerTimeoutException timeout = assertInstanceOf(HandlerTimeoutException.class, failures.errors.get(0));
        assertTrue(timeout.abandoned());
        assertEquals(new AbandonedWorkers.Count(1, 1), abandoned.of("pays"));
        assertFalse(held.deliveries.containsKey("1-0"), "its outcome is decided");
        assertTrue(held.abandoned.contains(d), "but its worker still runs the handler's code");

        release.countDown();
        worker.join();
        assertEquals(1, failures.errors.size(), "the late return decides nothing");
        assertEquals(List.of(), acks.acked);
        assertEquals(List.of(false), leaves.told, "it only frees the slot");
        assertEquals(new AbandonedWorkers.Count(0, 1), abandoned.of("pays"));
        assertTrue(held.abandoned.isEmpty());
    }

    @Test
    void aPauseOfTheWholeProcessIsNotChargedToTheHandlerItFroze() throws Exception {
        // Found from outside: kill -STOP for 129 s during a 300 ms call, then kill -CONT: the first
        // pass after the thaw interrupted and abandoned the worker, blaming the handler.
        Logger logger = (Logger) LoggerFactory.getLogger(Watchdog.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Subscription sub = subscription(e -> {
                started.countDown();
                release.await();
            });
            StreamEntry e = entry("1-0", 1, "type", "paid");
            Delivery d = new Delivery(held, e.id());
            assertTrue(d.hold());
            Leaves leaves = new Leaves();
            HandlerSettings limits = limits(Duration.ofSeconds(30), Duration.ofSeconds(5));
            Thread worker = Thread.ofVirtual().start(() -> pipeline.run(sub, e, limits, d, leaves));
            started.await();

            passesUntil(150);
            pausedFor(Duration.ofSeconds(129));
            assertFalse(d.wasInterrupted(), "the handler was frozen with the process, it did not overrun");
            assertEquals(List.of(), failures.errors);
            assertEquals(new AbandonedWorkers.Count(0, 0), abandoned.of("pays"));
            assertEquals(
                    List.of("WARN the process was paused for 129.0 s (SIGSTOP, a frozen or suspended VM, a long GC "
                            + "pause): that time does not count against the timeouts of the handler calls in flight"),
                    lines.list.stream()
                            .map(l -> l.getLevel() + " " + l.getFormattedMessage())
                            .toList(),
                    "the pause, once, and no handler blamed");

            passesUntil(nanos.get() / 1_000_000 + 150);
            release.countDown(); // it ends after 300 ms of its own
            worker.join();
            assertEquals(List.of(), failures.errors);
            assertEquals(1, acks.acked.size(), "handled, not a timeout");
            assertEquals(1, lines.list.size(), "logged once");
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void aHandlerPausedBeforeItsTimeoutIsInterruptedAndAbandonedAfterItsTimeoutOfRunningTime() throws Exception {
        HandlerSettings limits = limits(Duration.ofSeconds(5), Duration.ofSeconds(3));
        Running r = ignoringTheInterrupt(limits);

        passesUntil(2000);
        pausedFor(Duration.ofMillis(1950)); // a pass at 4000, one period of the gap charged: 1950 ms not
        passesUntil(6900);
        assertFalse(r.delivery.wasInterrupted(), "4950 ms of running time, shorter than its timeout of 5 s");
        passesUntil(7000);
        assertTrue(r.delivery.wasInterrupted(), "5000 ms of running time and a pass: past its timeout");

        passesUntil(9950);
        assertEquals(List.of(), failures.errors, "8 s of running time: not past its abandon-after yet");
        passesUntil(10_000);
        assertEquals(1, failures.errors.size(), "past it: abandoned, as without the pause 1950 ms sooner");
        assertTrue(assertInstanceOf(HandlerTimeoutException.class, failures.errors.get(0))
                .abandoned());
        r.end();
    }

    @Test
    void aPauseAfterTheInterruptLeavesTheHandlerItsAbandonAfterOfRunningTime() throws Exception {
        Running r = ignoringTheInterrupt(LIMITS); // timeout 1 s, abandon-after 3 s

        passesUntil(1100);
        assertTrue(r.delivery.wasInterrupted(), "it overran its timeout before the pause");
        pausedFor(Duration.ofSeconds(129));
        assertEquals(List.of(), failures.errors, "the pause does not use up its abandon-after");

        long thawed = nanos.get() / 1_000_000; // a period after 1100 ms + 129 s: 1150 ms of running time
        passesUntil(thawed + 2850);
        assertEquals(List.of(), failures.errors, "4000 ms of running time: not past 1 s + 3 s yet");
        passesUntil(thawed + 2900);
        assertEquals(1, failures.errors.size(), "past it: abandoned all the same");
        assertEquals(new AbandonedWorkers.Count(1, 1), abandoned.of("pays"));
        r.end();
    }

    @Test
    void aQueueGetsMoreWorkersOnlyWhileAHandlerRunsLongerThanAPass() {
        List<Runnable> workersStarted = new java.util.ArrayList<>();
        HeldEntries h = new HeldEntries(workersStarted::add, 10);
        Watchdog w = new Watchdog(() -> List.of(h), onFailure, abandoned, nanos::get);
        for (int i = 0; i < 100; i++) { // a fast mean (timed on the real clock): later tasks wait for one worker
            h.workers.execute(() -> {});
            workersStarted.remove(0).run();
        }
        for (int i = 0; i < 3; i++) {
            h.workers.execute(() -> {});
        }
        assertEquals(1, workersStarted.size(), "one worker for the queued fast tasks, not run yet");

        w.check();
        nanos.set(Duration.ofMillis(200).toNanos());
        w.check();
        assertEquals(1, workersStarted.size(), "nothing runs: the worker waits to be scheduled, no more start");

        StreamEntry e = entry("1-0", 1, "type", "paid");
        Delivery running = new Delivery(h, e.id());
        assertTrue(running.hold());
        running.started(Thread.currentThread(), nanos.get(), subscription(ev -> {}), e, null, LIMITS);
        nanos.addAndGet(Duration.ofMillis(20).toNanos());
        w.check();
        assertEquals(1, workersStarted.size(), "a handler running for less than a pass: not stuck yet");
        nanos.addAndGet(Duration.ofMillis(100).toNanos());
        w.check();
        assertEquals(4, workersStarted.size(), "stuck behind a handler for a whole pass: a worker per queued task");
    }

    /** A handler call running on a worker that ignores the interrupt until {@link #end}. */
    private record Running(Delivery delivery, Thread worker, CountDownLatch release) {
        void end() throws InterruptedException {
            release.countDown();
            worker.join();
        }
    }

    private Running ignoringTheInterrupt(HandlerSettings limits) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Subscription sub = subscription(e -> {
            started.countDown();
            while (true) {
                try {
                    release.await();
                    return;
                } catch (InterruptedException ignored) {
                    // ignores it
                }
            }
        });
        StreamEntry e = entry("1-0", 1, "type", "paid");
        Delivery d = new Delivery(held, e.id());
        assertTrue(d.hold());
        Thread worker = Thread.ofVirtual().start(() -> pipeline.run(sub, e, limits, d, new Leaves()));
        started.await();
        return new Running(d, worker, release);
    }

    /** The watchdog's passes, one every period as its timer runs them, until the clock reads {@code millis}. */
    private void passesUntil(long millis) {
        while (nanos.get() < Duration.ofMillis(millis).toNanos()) {
            nanos.addAndGet(Duration.ofMillis(Watchdog.PERIOD_MS).toNanos());
            watchdog.check();
        }
    }

    /** The whole process stops (SIGSTOP) for {@code pause} after a pass; the next one comes a period after it. */
    private void pausedFor(Duration pause) {
        nanos.addAndGet(pause.plusMillis(Watchdog.PERIOD_MS).toNanos());
        watchdog.check();
    }
}
