package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class BoundedCallTest {

    @Test
    void anAnswerInTimeIsReturned() throws Exception {
        assertEquals("ok", BoundedCall.get("test", () -> "ok", Duration.ofSeconds(10)));
    }

    @Test
    void whatTheCallThrowsIsTheCause() {
        ExecutionException e = assertThrows(
                ExecutionException.class,
                () -> BoundedCall.get(
                        "test",
                        () -> {
                            throw new IllegalStateException("Redis away");
                        },
                        Duration.ofSeconds(10)));
        assertEquals("Redis away", e.getCause().getMessage());
    }

    @Test
    void aCallThatDoesNotAnswerInTimeIsGivenUpOn() {
        CountDownLatch never = new CountDownLatch(1);
        long start = System.nanoTime();
        assertThrows(
                TimeoutException.class,
                () -> BoundedCall.get(
                        "test",
                        () -> {
                            try {
                                never.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return "late";
                        },
                        Duration.ofMillis(200)));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(waited.compareTo(Duration.ofSeconds(5)) < 0, "waited " + waited);
        never.countDown();
    }
}
