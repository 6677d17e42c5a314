package dev.eventbus.runtime.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.api.RetriableEventException;
import dev.eventbus.runtime.config.RetrySettings;
import dev.eventbus.runtime.stream.DeadLetterReason;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The retry policy with the jitter pinned: backoff, caps, and when it gives up and why. */
class ExponentialBackoffRetryPolicyTest {

    private static final RetrySettings SETTINGS =
            new RetrySettings(4, Duration.ofHours(1), Duration.ofSeconds(1), 2.0, Duration.ofSeconds(5), 0.5);
    private static final Duration YOUNG = Duration.ofMinutes(1);

    private static RetryPolicy.Decision decide(double random, int attempt, Duration age, Throwable error) {
        return decide(random, attempt, 0, age, error);
    }

    private static RetryPolicy.Decision decide(double random, int attempt, int waited, Duration age, Throwable error) {
        return new ExponentialBackoffRetryPolicy(SETTINGS, () -> random).decide(attempt, waited, age, error);
    }

    private static Duration delay(double random, int attempt) {
        return assertInstanceOf(RetryPolicy.Retry.class, decide(random, attempt, YOUNG, new RuntimeException()))
                .delay();
    }

    @Test
    void theDelayDoublesFromTheInitialBackoffUpToTheCap() {
        // random 0.5: no jitter either way
        assertEquals(Duration.ofSeconds(1), delay(0.5, 1));
        assertEquals(Duration.ofSeconds(2), delay(0.5, 2));
        assertEquals(Duration.ofSeconds(4), delay(0.5, 3));
        assertEquals(Duration.ofSeconds(5), new ExponentialBackoffRetryPolicy(SETTINGS, () -> 0.5).delay(10));
    }

    @Test
    void jitterSpreadsTheDelayByItsFractionEitherWay() {
        assertEquals(Duration.ofMillis(1000), delay(0.5, 1));
        assertEquals(Duration.ofMillis(500), delay(0.0, 1));
        assertEquals(Duration.ofMillis(1499), delay(0.999, 1));
    }

    @Test
    void retriableFailuresGiveUpAtMaxAttemptsOrMaxAgeWithTheirReason() {
        var exhausted =
                assertInstanceOf(RetryPolicy.GiveUp.class, decide(0.5, 4, YOUNG, new RetriableEventException("again")));
        assertEquals(DeadLetterReason.HANDLER_ERROR, exhausted.reason());
        assertTrue(exhausted.why().contains("max-attempts = 4"), exhausted.why());
        var old = assertInstanceOf(
                RetryPolicy.GiveUp.class,
                decide(0.5, 1, Duration.ofHours(2), new HandlerTimeoutException(Duration.ofSeconds(1), false, null)));
        assertEquals(DeadLetterReason.TIMEOUT, old.reason());
        assertTrue(old.why().contains("max-age"), old.why());
    }

    @Test
    void permanentFailuresGiveUpAtOnce() {
        var handler = assertInstanceOf(
                RetryPolicy.GiveUp.class, decide(0.5, 1, YOUNG, new NonRetriableEventException("bad")));
        assertEquals(DeadLetterReason.HANDLER_ERROR, handler.reason());
        var status = assertInstanceOf(
                RetryPolicy.GiveUp.class, decide(0.5, 1, YOUNG, Status.INVALID_ARGUMENT.asRuntimeException()));
        assertEquals(DeadLetterReason.RPC_STATUS, status.reason());
    }

    @Test
    void aServiceThatIsDownIsNotCountedButItsWaitGrowsWithEachSuchFailure() {
        var down = assertInstanceOf(
                RetryPolicy.Retry.class, decide(0.5, 2, 0, YOUNG, Status.UNAVAILABLE.asRuntimeException()));
        assertEquals(Duration.ofSeconds(2), down.delay());
        assertFalse(down.counted(), "the handler records it as a service-down failure, not an attempt");
        // attempt 2 after one earlier service-down failure: the wait of the third delivery, 4 s
        assertEquals(
                Duration.ofSeconds(4),
                assertInstanceOf(
                                RetryPolicy.Retry.class,
                                decide(0.5, 2, 1, YOUNG, Status.UNAVAILABLE.asRuntimeException()))
                        .delay());
        // a real failure waits the backoff of its own counted attempt, however long the outage was
        var real = assertInstanceOf(RetryPolicy.Retry.class, decide(0.5, 2, 7, YOUNG, new RuntimeException()));
        assertTrue(real.counted());
        assertEquals(Duration.ofSeconds(2), real.delay());
    }

    @Test
    void theCountedAttemptIsTheDeliveriesLessTheServiceDownFailures() {
        assertEquals(1, RetryRecord.NONE.countedAttempt(1));
        assertEquals(3, RetryRecord.NONE.countedAttempt(3));
        assertEquals(1, new RetryRecord(null, 8).countedAttempt(9));
        assertEquals(2, new RetryRecord(null, 8).countedAttempt(10));
        // A record ahead of Redis's count (a delivery count reset by a copied stream) still says 1.
        assertEquals(1, new RetryRecord(null, 8).countedAttempt(3));
    }

    @Test
    void aServiceThatIsDownDoesNotBurnAttemptsButMaxAgeStillHolds() {
        assertInstanceOf(RetryPolicy.Retry.class, decide(0.5, 40, YOUNG, Status.UNAVAILABLE.asRuntimeException()));
        var old = assertInstanceOf(
                RetryPolicy.GiveUp.class,
                decide(0.5, 40, Duration.ofHours(2), Status.UNAVAILABLE.asRuntimeException()));
        assertEquals(DeadLetterReason.RPC_STATUS, old.reason());
    }
}
