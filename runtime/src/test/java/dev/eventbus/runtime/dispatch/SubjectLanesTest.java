package dev.eventbus.runtime.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.consumer.EntrySlots;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class SubjectLanesTest {

    /** Runs nothing by itself: the test starts each task the lanes handed over, when it wants. */
    private static final class ManualWorkers implements java.util.concurrent.Executor {
        final Queue<Runnable> started = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            started.add(task);
        }

        void runNext() {
            started.remove().run();
        }
    }

    private final ManualWorkers workers = new ManualWorkers();
    private final SubjectLanes lanes = new SubjectLanes(workers);
    private final List<String> ran = new ArrayList<>();

    private void submit(String subject, String entryId) {
        lanes.submit(subject, entryId, () -> ran.add(entryId));
    }

    @Test
    void oneSubjectRunsOneAtATimeInReadOrderOthersAtOnce() {
        submit("a", "1");
        submit("a", "2");
        submit("b", "3");
        assertEquals(2, workers.started.size(), "a's first event and b's");
        workers.runNext();
        workers.runNext();
        assertEquals(List.of("1", "3"), ran);
        lanes.finished("a", "1", true);
        assertEquals(1, workers.started.size(), "a's second event after its first");
        workers.runNext();
        assertEquals(List.of("1", "3", "2"), ran);
    }

    @Test
    void aFailedEventHoldsItsSubjectUntilItsRetryWhichGoesFirst() {
        submit("a", "1");
        submit("a", "2");
        workers.runNext();
        lanes.finished("a", "1", false);
        assertTrue(workers.started.isEmpty(), "2 waits for 1's retry");
        submit("a", "3");
        submit("a", "1"); // the retry
        assertEquals(1, workers.started.size());
        workers.runNext();
        lanes.finished("a", "1", true);
        workers.runNext();
        lanes.finished("a", "2", true);
        workers.runNext();
        lanes.finished("a", "3", true);
        assertEquals(List.of("1", "1", "2", "3"), ran);
        assertTrue(workers.started.isEmpty());
    }

    @Test
    void aRetryThatArrivedWhileItsEventStillRanRunsWhenThatEventEnds() {
        submit("a", "1");
        workers.runNext(); // abandoned by the watchdog, still running; its retry is read meanwhile
        submit("a", "2");
        submit("a", "1");
        lanes.finished("a", "1", false); // the abandoned worker ends
        assertEquals(1, workers.started.size());
        workers.runNext();
        lanes.finished("a", "1", true);
        workers.runNext();
        assertEquals(List.of("1", "1", "2"), ran);
    }

    @Test
    void aHeldEventSettledElsewhereLetsTheRestGoOn() {
        submit("a", "1");
        submit("a", "2");
        workers.runNext();
        lanes.finished("a", "1", false); // held for its retry, which never comes: 1 was trimmed
        assertTrue(workers.started.isEmpty());
        lanes.settledElsewhere("1");
        assertEquals(1, workers.started.size(), "2 goes once 1 is dead-lettered elsewhere");
        workers.runNext();
        assertEquals(List.of("1", "2"), ran);
        lanes.settledElsewhere("2"); // never held: nothing happens
        lanes.finished("a", "2", true);
        submit("a", "3");
        assertEquals(1, workers.started.size(), "the lane was dropped and starts afresh");
    }

    @Test
    void anAbandonedEventSettledElsewhereBeforeItsWorkerEndsDoesNotHoldItsLane() {
        submit("a", "1");
        submit("a", "2");
        workers.runNext();
        lanes.abandoned("a", "1");
        lanes.settledElsewhere("1"); // its timeout was dead-lettered, or it was trimmed, while the worker runs on
        assertTrue(workers.started.isEmpty(), "1's worker still runs");
        lanes.finished("a", "1", false); // the abandoned worker ends, not knowing the outcome
        assertEquals(1, workers.started.size(), "2 goes: 1 will not be retried");
    }

    @Test
    void anAbandonedEventSettledElsewhereAfterItsWorkerEndedReleasesItsLane() {
        submit("a", "1");
        submit("a", "2");
        workers.runNext();
        lanes.abandoned("a", "1");
        lanes.finished("a", "1", false);
        assertTrue(workers.started.isEmpty());
        lanes.settledElsewhere("1");
        assertEquals(1, workers.started.size());
    }

    @Test
    void closingHandsBackTheWaitingEventsAndNoneStarts() {
        submit("a", "1");
        submit("a", "2");
        submit("a", "3");
        submit("b", "4");
        workers.runNext();
        lanes.finished("a", "1", false); // held: 2 and 3 wait
        List<Runnable> waiting = lanes.close();
        assertEquals(2, waiting.size(), "2 and 3");
        assertTrue(lanes.isClosed());
        workers.runNext(); // b's 4 was running
        lanes.finished("b", "4", true);
        assertTrue(workers.started.isEmpty(), "nothing more starts");
        waiting.forEach(Runnable::run);
        assertEquals(List.of("1", "4", "2", "3"), ran, "handed back to the caller, which settles them without a call");
    }

    @Test
    void anEntryReadAgainWhileItsRetryIsScheduledHoldsItsIdleLaneUntilTheRetryWhichGoesFirst() {
        lanes.holdForRetry("a", "1"); // a restart's read of its own pending entries: 1 waits for its retry
        submit("a", "2");
        submit("a", "3");
        submit("b", "4");
        assertEquals(1, workers.started.size(), "only b's 4: a's later events wait for 1's retry");
        assertEquals(java.util.Set.of("1"), lanes.heldForRetry());
        workers.runNext();
        lanes.finished("b", "4", true);
        lanes.holdForRetry("a", "1"); // read again (a lost read reply): nothing changes
        submit("a", "1"); // the retry poller brings it back
        for (String id : List.of("1", "2", "3")) {
            assertEquals(1, workers.started.size(), "next: " + id);
            workers.runNext();
            lanes.finished("a", id, true);
        }
        assertEquals(List.of("4", "1", "2", "3"), ran);
        assertTrue(workers.started.isEmpty());
        assertTrue(lanes.heldForRetry().isEmpty());
    }

    @Test
    void anEntryAwaitingItsRetryBehindARunningEventHoldsTheLaneOnceThatEventIsDone() {
        submit("a", "0"); // running when the pending entries are read again
        lanes.holdForRetry("a", "1");
        submit("a", "2");
        assertEquals(java.util.Set.of("1"), lanes.heldForRetry(), "waits for 1's retry once 0 is done");
        workers.runNext();
        lanes.finished("a", "0", true);
        assertTrue(workers.started.isEmpty(), "2 waits for 1's retry, not for 1's marker to start anything");
        assertEquals(java.util.Set.of("1"), lanes.heldForRetry());
        submit("a", "1");
        workers.runNext();
        lanes.finished("a", "1", true);
        workers.runNext();
        lanes.finished("a", "2", true);
        assertEquals(List.of("0", "1", "2"), ran);
        assertTrue(workers.started.isEmpty());
    }

    @Test
    void aRetryArrivingWhileItsMarkerStillWaitsTakesItsPlaceAheadOfTheEventsWaitingForIt() throws Exception {
        EntrySlots slots = new EntrySlots(4);
        SubjectLanes lanes = new SubjectLanes(workers, slots);
        slots.take(4); // the reader's read: 0, 1, 2 and 3
        lanes.submit("a", "0", () -> ran.add("0"));
        lanes.holdForRetry("a", "1"); // its own slot was given back at once
        slots.release();
        lanes.submit("a", "2", () -> ran.add("2"));
        lanes.submit("a", "3", () -> ran.add("3"));
        assertEquals(1, slots.tryTake(1), "the retry poller's slot for 1");
        lanes.submit("a", "1", () -> ran.add("1")); // due while 0 still runs
        assertTrue(lanes.heldForRetry().isEmpty(), "the retry is here: nothing waits for it any more");
        for (String id : List.of("0", "1", "2", "3")) {
            assertEquals(1, workers.started.size(), "next: " + id);
            workers.runNext();
            lanes.finished("a", id, true);
            slots.release();
        }
        assertEquals(List.of("0", "1", "2", "3"), ran, "no deadlock: 1 ran where its marker stood");
        assertTrue(workers.started.isEmpty());
        assertEquals(0, slots.taken(), "every slot is back");
        assertEquals(4, slots.tryTake(100), "none lent any more");
    }

    @Test
    void aMarkerOfTheRunningEventItselfHoldsTheLaneIfThatRunFailsAndGoesIfItSucceeds() {
        // Its failure scheduled the retry before its lane heard of it: a read of the pending entries saw it scheduled.
        submit("a", "1");
        lanes.holdForRetry("a", "1");
        submit("a", "2");
        workers.runNext();
        lanes.finished("a", "1", false);
        assertTrue(workers.started.isEmpty(), "held for 1's retry");
        assertEquals(java.util.Set.of("1"), lanes.heldForRetry());
        submit("a", "1");
        workers.runNext();
        lanes.finished("a", "1", true);
        assertEquals(1, workers.started.size());
        workers.runNext();
        lanes.finished("a", "2", true);

        submit("b", "5");
        lanes.holdForRetry("b", "5");
        submit("b", "6");
        workers.runNext();
        lanes.finished("b", "5", true); // handled after all: its marker goes
        assertEquals(1, workers.started.size(), "6 goes");
        workers.runNext();
        assertEquals(List.of("1", "1", "2", "5", "6"), ran);
        assertTrue(lanes.heldForRetry().isEmpty());
    }

    @Test
    void aMarkerWhoseEntryWasSettledElsewhereIsDroppedAndHoldsNothing() {
        submit("a", "0");
        lanes.holdForRetry("a", "1");
        submit("a", "2");
        lanes.settledElsewhere("1"); // another instance took its retry, or it was trimmed
        assertTrue(lanes.heldForRetry().isEmpty());
        workers.runNext();
        lanes.finished("a", "0", true);
        assertEquals(1, workers.started.size(), "2 goes after 0");
        workers.runNext();
        assertEquals(List.of("0", "2"), ran);
    }

    @Test
    void aMarkerSettledElsewhereLeavesTheOutcomeOfAnAbandonedEventSettledElsewhereAlone() {
        submit("a", "0");
        workers.runNext();
        lanes.abandoned("a", "0");
        lanes.settledElsewhere("0"); // its timeout was dead-lettered while its worker runs on
        lanes.holdForRetry("a", "1");
        submit("a", "2");
        lanes.settledElsewhere("1");
        lanes.finished("a", "0", false); // the abandoned worker ends, not knowing the outcome
        assertEquals(1, workers.started.size(), "2 goes: 0 is settled, 1 waits for nothing here");
        workers.runNext();
        assertEquals(List.of("0", "2"), ran);
    }

    @Test
    void closingWithMarkersHandsBackOnlyTheWaitingEvents() {
        submit("a", "0");
        lanes.holdForRetry("a", "1");
        submit("a", "2");
        lanes.holdForRetry("b", "3");
        submit("b", "4");
        List<Runnable> waiting = lanes.close();
        assertEquals(2, waiting.size(), "2 and 4, no marker");
        assertTrue(lanes.heldForRetry().isEmpty());
        lanes.holdForRetry("c", "5"); // a read after close holds nothing
        assertTrue(lanes.heldForRetry().isEmpty());
        workers.runNext();
        lanes.finished("a", "0", true);
        assertTrue(workers.started.isEmpty(), "nothing more starts");
        waiting.forEach(Runnable::run);
        assertEquals(List.of("0", "2", "4"), ran);
    }

    @Test
    void aResolvedSubjectStartsAfresh() {
        submit("a", "1");
        workers.runNext();
        lanes.finished("a", "1", true);
        lanes.finished("a", "1", true); // nothing left: ignored
        submit("a", "2");
        assertEquals(1, workers.started.size(), "no lane left behind to wait on");
    }

    @Test
    void manyWorkersNeverRunTwoEventsOfASubjectAtOnceNorOutOfOrder() throws Exception {
        int subjects = 50;
        int events = 50_000;
        ExecutorService pool =
                Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
        try {
            SubjectLanes shared = new SubjectLanes(pool);
            AtomicIntegerArray running = new AtomicIntegerArray(subjects);
            AtomicIntegerArray last = new AtomicIntegerArray(subjects);
            AtomicInteger violations = new AtomicInteger();
            Semaphore slots = new Semaphore(256);
            CountDownLatch done = new CountDownLatch(events);
            for (int s = 0; s < subjects; s++) {
                last.set(s, -1);
            }
            for (int i = 0; i < events; i++) {
                int index = i;
                int s = i % subjects;
                String subject = "s-" + s;
                String id = "1-" + i;
                slots.acquire();
                shared.submit(subject, id, () -> {
                    if (running.incrementAndGet(s) != 1 || last.getAndSet(s, index) > index) {
                        violations.incrementAndGet();
                    }
                    running.decrementAndGet(s);
                    shared.finished(subject, id, true);
                    slots.release();
                    done.countDown();
                });
            }
            assertTrue(done.await(60, TimeUnit.SECONDS), "all events ran");
            assertEquals(0, violations.get());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The stall found by the random fault suite (seed 863851784): events of held subjects filled
     * every slot of the reader, and the retries they waited for, which the retry poller takes a
     * slot for, never got one. Here the slots, the reader's takes and the poller's are the real
     * ones; only the workers are driven by hand.
     */
    @Test
    void eventsWaitingBehindAHeldSubjectLendTheirSlotsSoItsRetryIsAdmittedAndEverythingDrains() throws Exception {
        EntrySlots slots = new EntrySlots(4);
        SubjectLanes lanes = new SubjectLanes(workers, slots);
        List<String> order = new ArrayList<>();
        slots.take(1); // the reader takes a slot per entry; each gives it back when it leaves its lane
        lanes.submit("a", "1", () -> order.add("1"));
        workers.runNext();
        lanes.finished("a", "1", false); // failed: a is held for 1's retry
        slots.release();
        for (String id : List.of("2", "3", "4", "5")) {
            slots.take(1);
            lanes.submit("a", id, () -> order.add(id)); // a's later events wait, each with its slot
        }
        assertTrue(workers.started.isEmpty());
        assertEquals(0, slots.awaitFree(java.time.Duration.ZERO), "the reader reads no more: waiting events fill it");

        assertEquals(1, slots.tryTake(1), "the retry poller gets a slot for 1's retry, lent by an event behind it");
        lanes.submit("a", "1", () -> order.add("1"));
        for (String id : List.of("1", "2", "3", "4", "5")) {
            assertEquals(1, workers.started.size(), "next: " + id);
            workers.runNext();
            lanes.finished("a", id, true);
            slots.release();
        }
        assertEquals(List.of("1", "1", "2", "3", "4", "5"), order);
        assertEquals(0, slots.taken(), "every slot is back");
        assertEquals(4, slots.tryTake(100), "none lent any more");
    }
}
