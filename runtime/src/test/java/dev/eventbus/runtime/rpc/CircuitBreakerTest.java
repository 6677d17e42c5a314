package dev.eventbus.runtime.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What operators see of a breaker ({@link CircuitBreaker#circuit()}) always matches what readers are allowed. */
class CircuitBreakerTest {

    private final MovableClock clock = new MovableClock(Instant.parse("2025-06-10T12:00:00Z"));
    private final CircuitBreaker breaker =
            new CircuitBreaker("orders.v1.OrderService", 3, Duration.ofSeconds(10), clock);

    private void expect(Circuit.State state, int failures, Duration halfOpenIn, int budget) {
        Circuit c = breaker.circuit();
        assertEquals(new Circuit("orders.v1.OrderService", state, failures, halfOpenIn), c);
        assertEquals(budget, breaker.readBudget(), "read budget while " + state);
    }

    @Test
    void closedOpenHalfOpenAndBack() {
        expect(Circuit.State.CLOSED, 0, Duration.ZERO, Integer.MAX_VALUE);
        breaker.recordUnavailable("UNAVAILABLE");
        breaker.recordUnavailable("UNAVAILABLE");
        expect(Circuit.State.CLOSED, 2, Duration.ZERO, Integer.MAX_VALUE);
        breaker.recordUnavailable("DEADLINE_EXCEEDED");
        expect(Circuit.State.OPEN, 3, Duration.ofSeconds(10), 0);

        clock.advance(Duration.ofSeconds(4));
        expect(Circuit.State.OPEN, 3, Duration.ofSeconds(6), 0);
        clock.advance(Duration.ofSeconds(6));
        expect(Circuit.State.HALF_OPEN, 3, Duration.ZERO, 1);

        breaker.recordUnavailable("UNAVAILABLE"); // the probe failed: open again at once
        expect(Circuit.State.OPEN, 4, Duration.ofSeconds(10), 0);
        clock.advance(Duration.ofSeconds(11));
        expect(Circuit.State.HALF_OPEN, 4, Duration.ZERO, 1);
        breaker.recordSuccess();
        expect(Circuit.State.CLOSED, 0, Duration.ZERO, Integer.MAX_VALUE);
    }
}
