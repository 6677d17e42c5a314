package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EntrySlotsTest {

    @Test
    void tryTakeNeverTakesMoreThanIsFree() {
        EntrySlots slots = new EntrySlots(10);
        assertEquals(4, slots.tryTake(4));
        assertEquals(6, slots.tryTake(100));
        assertEquals(0, slots.tryTake(1));
        assertEquals(10, slots.taken());
        slots.release(3);
        assertEquals(7, slots.taken());
    }

    @Test
    void awaitFreeReturnsAtOnceWhenSlotsAreFreeAndZeroAfterTheWaitWhenNone() throws Exception {
        EntrySlots slots = new EntrySlots(8);
        assertEquals(8, slots.awaitFree(Duration.ofSeconds(5)));
        slots.take(8);
        long start = System.nanoTime();
        assertEquals(0, slots.awaitFree(Duration.ofMillis(50)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void aWaitingReaderWakesWhenASlotIsReleased() throws Exception {
        EntrySlots slots = new EntrySlots(8);
        slots.take(8);
        CompletableFuture<Integer> free = CompletableFuture.supplyAsync(() -> {
            try {
                return slots.awaitFree(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(free.isDone());
        slots.release(6); // above half: no lingering
        assertEquals(6, free.get(5, TimeUnit.SECONDS));
    }

    @Test
    void takeWaitsForSlotsOthersTookMeanwhile() throws Exception {
        EntrySlots slots = new EntrySlots(4);
        assertEquals(3, slots.tryTake(3));
        CompletableFuture<Void> take = CompletableFuture.runAsync(() -> {
            try {
                slots.take(3);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(take.isDone());
        slots.release(1);
        Thread.sleep(20);
        assertFalse(take.isDone()); // 2 of 3 free
        slots.release(1);
        take.get(5, TimeUnit.SECONDS);
        assertEquals(4, slots.taken());
    }

    @Test
    void awaitIdleWaitsForEverySlot() throws Exception {
        EntrySlots slots = new EntrySlots(3);
        slots.take(2);
        assertFalse(slots.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30)));
        CompletableFuture.runAsync(
                () -> {
                    slots.release();
                    slots.release();
                },
                CompletableFuture.delayedExecutor(30, TimeUnit.MILLISECONDS));
        assertTrue(slots.awaitIdle(System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
        assertEquals(0, slots.taken());
    }

    @Test
    void eventsWaitingInALaneWithNothingRunningDoNotHoldUpIdle() throws Exception {
        EntrySlots slots = new EntrySlots(4);
        slots.take(3); // one running, two waiting behind it in its lane
        slots.lend();
        slots.lend();
        assertFalse(slots.isIdle(), "one still runs");
        assertFalse(slots.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30)), "one still runs");
        slots.release(); // it ended with its retry scheduled: the two wait behind a held subject
        assertTrue(slots.isIdle());
        assertTrue(slots.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30)));
        assertEquals(2, slots.taken(), "they keep their slots: they stay pending when the lanes close");
    }

    @Test
    void retriesAndReclaimsWaitingInLanesOnBorrowedSlotsDoNotHoldUpIdleEither() throws Exception {
        EntrySlots slots = new EntrySlots(2);
        slots.take(2); // read, both waiting behind held subjects
        slots.lend();
        slots.lend();
        assertEquals(2, slots.tryTake(2)); // two reclaimed entries, on the lent slots
        assertFalse(slots.isIdle(), "the two reclaimed are on their way");
        slots.lend(); // and wait behind held subjects too: more waiting than the capacity
        slots.lend();
        assertTrue(slots.isIdle(), "nothing runs: four entries wait on two slots and two borrowed");
        assertTrue(slots.awaitIdle(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30)));
        slots.takeBack(); // one of them starts
        assertFalse(slots.isIdle(), "one runs");
    }

    @Test
    void slotsLentByWaitingEntriesGoToRetriesAndReclaimsNeverToTheReaderAndAtMostTheCapacity() throws Exception {
        EntrySlots slots = new EntrySlots(2);
        slots.take(2);
        slots.lend();
        slots.lend();
        slots.lend(); // more waiting than the capacity: still only the capacity lent
        assertEquals(0, slots.awaitFree(Duration.ZERO), "lent slots still count for the reader");
        assertEquals(2, slots.tryTake(5));
        assertEquals(0, slots.tryTake(1));
        assertEquals(4, slots.taken());
        slots.takeBack();
        slots.takeBack();
        slots.takeBack();
        slots.release(2);
        assertEquals(0, slots.awaitFree(Duration.ZERO), "the reader waits until the borrowed slots are back too");
        slots.release(2);
        assertEquals(2, slots.awaitFree(Duration.ZERO));
    }
}
