package dev.eventbus.runtime.dispatch;

import static dev.eventbus.runtime.dispatch.DispatchFixtures.STREAM;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.entry;
import static dev.eventbus.runtime.dispatch.DispatchFixtures.subscription;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingAcks;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingDeadLetters;
import dev.eventbus.runtime.dispatch.DispatchFixtures.RecordingObserver;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** One subscription's way into the dispatcher, with workers the test runs by hand (no Redis). */
class SubscriptionDispatchTest {

    /** Starts nothing by itself: each worker runs when the test says. */
    private static final class ManualThreads implements Executor {
        final Queue<Runnable> started = new ArrayDeque<>();

        @Override
        public void execute(Runnable task) {
            started.add(task);
        }

        void runAll() {
            while (!started.isEmpty()) {
                started.remove().run();
            }
        }
    }

    private final ManualThreads threads = new ManualThreads();
    private final RecordingAcks acks = new RecordingAcks();
    private final RecordingDeadLetters deadLetters = new RecordingDeadLetters();
    private final RecordingObserver observer = new RecordingObserver();
    private final DeliveryPipeline pipeline = DispatchFixtures.plainPipeline(acks, deadLetters, observer);
    private final List<String> handled = new ArrayList<>();
    private final List<String> released = new ArrayList<>();

    private SubscriptionDispatch open(boolean ordered, int maxDeliveries) {
        return open(ordered, maxDeliveries, ServiceDownDeliveries.NONE);
    }

    private SubscriptionDispatch open(boolean ordered, int maxDeliveries, ServiceDownDeliveries serviceDown) {
        Subscription sub = subscription(e -> handled.add(e.entryId()));
        HandlerSettings limits = new HandlerSettings(
                4,
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                ordered,
                DispatchFixtures.limits(Duration.ofSeconds(1), Duration.ofSeconds(1))
                        .retry());
        return new SubscriptionDispatch(
                sub,
                limits,
                new HeldEntries(threads, 4),
                SlotLender.NONE,
                pipeline,
                new EventCodec(1 << 20),
                deadLetters,
                maxDeliveries,
                serviceDown,
                () -> true,
                java.util.Set::of,
                AckRoom.UNBOUNDED);
    }

    private void dispatch(SubscriptionDispatch d, StreamEntry e) {
        d.dispatch(e, () -> released.add(e.id()));
    }

    @Test
    void anEntryAlreadyOnItsWayHereIsReleasedNotHandledTwice() {
        SubscriptionDispatch d = open(false, 10);
        dispatch(d, entry("1-0", 1, "type", "paid"));
        dispatch(d, entry("1-0", 2, "type", "paid")); // reclaimed while the first read still waits
        assertEquals(List.of("1-0"), released, "the second is dropped at once");
        assertEquals(1, d.heldCount());
        threads.runAll();
        assertEquals(List.of("1-0"), handled);
        assertEquals(List.of("1-0", "1-0"), released);
        assertEquals(0, d.heldCount());
    }

    @Test
    void entriesPastMaxDeliveriesOrDeletedAreDeadLetteredBeforeAnyWorker() {
        SubscriptionDispatch d = open(false, 3);
        dispatch(
                d,
                new StreamEntry(
                        STREAM, "1-0", Map.of("type".getBytes(), "paid".getBytes()), 4, StreamEntry.Origin.RECLAIM));
        dispatch(d, new StreamEntry(STREAM, "2-0", null, 1, StreamEntry.Origin.HISTORY));
        dispatch(d, new StreamEntry(STREAM, "3-0", Map.of(), 0, StreamEntry.Origin.VANISHED));
        assertEquals(0, threads.started.size(), "no worker for any of them");
        assertEquals(
                List.of(DeadLetterReason.MAX_DELIVERIES, DeadLetterReason.TRIMMED, DeadLetterReason.TRIMMED),
                deadLetters.letters.stream().map(l -> l.reason()).toList());
        assertEquals(List.of("1-0", "2-0", "3-0"), released);
        assertEquals(0, d.heldCount());
    }

    @Test
    void deliveriesThatOnlyFoundAServiceDownAreNotCountedByTheFuse() {
        // 25 deliveries, 10 of them waiting out a gRPC service's outage: 15 count, under the fuse of 20.
        SubscriptionDispatch d = open(false, 20, e -> e.id().equals("1-0") ? 10 : 0);
        dispatch(
                d,
                new StreamEntry(
                        STREAM, "1-0", Map.of("type".getBytes(), "paid".getBytes()), 25, StreamEntry.Origin.RECLAIM));
        dispatch(
                d,
                new StreamEntry(
                        STREAM, "2-0", Map.of("type".getBytes(), "paid".getBytes()), 25, StreamEntry.Origin.RECLAIM));
        threads.runAll();

        assertEquals(List.of("1-0"), handled, "handled: only 15 of its deliveries count");
        assertEquals(
                List.of(DeadLetterReason.MAX_DELIVERIES),
                deadLetters.letters.stream().map(l -> l.reason()).toList());
        assertEquals("2-0", deadLetters.letters.get(0).entry().id(), "none of its 25 found a service down");
    }

    @Test
    void closingAnOrderedSubscriptionLeavesEntriesNotStartedPendingWithoutACall() {
        SubscriptionDispatch d = open(true, 10);
        dispatch(d, entry("1-0", 1, "type", "paid", "subject", "a")); // handed to a worker, not started yet
        dispatch(d, entry("2-0", 1, "type", "paid", "subject", "a")); // waits in its lane behind 1-0
        d.close();
        assertEquals(List.of("2-0"), released, "the one waiting in the lane left at once");
        threads.runAll();
        assertEquals(List.of(), handled, "the worker found its lane closed: no call");
        assertEquals(List.of("2-0", "1-0"), released);
        assertEquals(List.of(), acks.acked, "both stay pending");
        assertEquals(0, d.heldCount());
    }

    @Test
    void anOrderedEntryAwaitingItsRetryHoldsItsSubjectWithoutASlotUntilTheRetryRunsFirst() {
        SubscriptionDispatch d = open(true, 10);
        dispatch(d, awaiting("1-0", "a")); // a restart's read of its own pending entries, in id order
        dispatch(d, history("2-0", "a"));
        dispatch(d, history("3-0", "b"));
        assertEquals(List.of("1-0"), released, "not handled now: released at once");
        assertEquals(java.util.Set.of("1-0"), d.heldForRetry());
        threads.runAll();
        assertEquals(List.of("3-0"), handled, "a's 2-0 waits for 1-0's retry");
        dispatch(d, entry("1-0", 2, "type", "paid", "subject", "a")); // the retry poller brings it back
        threads.runAll();
        assertEquals(List.of("3-0", "1-0", "2-0"), handled);
        assertEquals(0, d.heldCount());
        assertEquals(java.util.Set.of(), d.heldForRetry());
    }

    @Test
    void anUnorderedEntryAwaitingItsRetryIsReleasedAndNothingWaits() {
        SubscriptionDispatch d = open(false, 10);
        dispatch(d, awaiting("1-0", "a"));
        dispatch(d, history("2-0", "a"));
        threads.runAll();
        assertEquals(List.of("2-0"), handled);
        assertEquals(List.of("1-0", "2-0"), released);
        assertEquals(java.util.Set.of(), d.heldForRetry());
    }

    private static StreamEntry awaiting(String id, String subject) {
        return new StreamEntry(STREAM, id, fields(subject), 1, StreamEntry.Origin.AWAITING_RETRY);
    }

    private static StreamEntry history(String id, String subject) {
        return new StreamEntry(STREAM, id, fields(subject), 1, StreamEntry.Origin.HISTORY);
    }

    private static Map<byte[], byte[]> fields(String subject) {
        return entry("0-0", 1, "type", "paid", "subject", subject).fields();
    }
}
