package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.rpc.CircuitBreaker;
import dev.eventbus.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScaleSignalTest {

    private static SubscriptionStatus status(long lag, long pending, long retries, long retriesNotDue) {
        return new SubscriptionStatus(
                "h", "orders", 1, 0, pending, lag, -1, "0-0", retries, retriesNotDue, 0, "dlq:h", 0, 0, "behind");
    }

    @Test
    void lagPlusPendingThatIsNotWaitingForARetry() {
        assertEquals(100.0, ScaleSignal.workable(status(100, 0, 0, 0), false));
        assertEquals(107.0, ScaleSignal.workable(status(100, 7, 0, 0), false));
        // 5 of the 7 pending entries wait for a retry due later; 1 retry is due now and counts
        assertEquals(102.0, ScaleSignal.workable(status(100, 7, 6, 5), false));
    }

    @Test
    void unknownLagIsNaNLikeTheLagGauge() {
        assertTrue(Double.isNaN(ScaleSignal.workable(status(-1, 3, 0, 0), false)));
    }

    @Test
    void nothingWhileTheCircuitWaitsHoweverLargeTheBacklog() {
        TestClock clock = TestClock.at(Instant.parse("2026-12-05T10:00:00Z"));
        CircuitBreaker breaker = new CircuitBreaker("acme.Wallet", 2, Duration.ofSeconds(30), clock);
        Set<String> services = Set.of("acme.Wallet");
        assertFalse(ScaleSignal.waitsOnCircuit(services, List.of(breaker.circuit())));

        breaker.recordUnavailable("UNAVAILABLE");
        breaker.recordUnavailable("UNAVAILABLE");
        boolean open = ScaleSignal.waitsOnCircuit(services, List.of(breaker.circuit()));
        assertTrue(open, "open circuit");
        assertEquals(0.0, ScaleSignal.workable(status(10, 2, 0, 0), open));
        assertEquals(0.0, ScaleSignal.workable(status(10_000, 2, 0, 0), open), "the backlog grows, the signal not");

        clock.advance(Duration.ofSeconds(31)); // half-open: one probe at a time, more instances add nothing
        assertTrue(ScaleSignal.waitsOnCircuit(services, List.of(breaker.circuit())), "half-open circuit");

        breaker.recordSuccess();
        boolean closed = ScaleSignal.waitsOnCircuit(services, List.of(breaker.circuit()));
        assertFalse(closed);
        assertEquals(10_002.0, ScaleSignal.workable(status(10_000, 2, 0, 0), closed));
    }

    @Test
    void anotherServicesCircuitDoesNotHoldThisHandler() {
        TestClock clock = TestClock.at(Instant.parse("2026-12-05T10:00:00Z"));
        CircuitBreaker other = new CircuitBreaker("acme.Ledger", 1, Duration.ofSeconds(30), clock);
        other.recordUnavailable("UNAVAILABLE");
        assertFalse(ScaleSignal.waitsOnCircuit(Set.of("acme.Wallet"), List.of(other.circuit())));
        assertFalse(ScaleSignal.waitsOnCircuit(Set.of(), List.of(other.circuit())));
    }
}
