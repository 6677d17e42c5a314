package dev.eventbus.runtime.dispatch;

import static dev.eventbus.runtime.dispatch.DispatchFixtures.entry;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.limits;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.subscription;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** The timeout watchdog on a settable clock: interrupt past the timeout, abandon past abandon-after. */
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

        nanos.set(Duration.ofMillis(900).toNanos());
        watchdog.check();
        assertFalse(sawInterrupt.get(), "within its timeout");

        nanos.set(Duration.ofMillis(1100).toNanos());
        watchdog.check();
        while (!sawInterrupt.get()) {
            Thread.onSpinWait(); // the interrupt reaches the worker
        }
        assertEquals(List.of(), failures.errors, "interrupted, not abandoned yet");

        nanos.set(Duration.ofMillis(4200).toNanos());
        watchdog.check();
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
}
