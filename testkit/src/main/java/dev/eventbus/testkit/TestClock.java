package dev.eventbus.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that moves only when the test says so, for the runtime's time decisions: retry
 * backoff, {@code retry.max-attempts} and {@code retry.max-age}.
 *
 * <pre>{@code
 * TestClock clock = TestClock.now();
 * ... an event fails and its retry is scheduled a backoff from now ...
 * clock.advance(Duration.ofMinutes(5)); // the retry is due at the next poll
 * }</pre>
 *
 * <p>It starts at the wall-clock time by default because Redis stamps stream entry ids with its
 * own clock and the runtime measures an event's age against them. Thread-safe; it never moves
 * backwards.
 */
public final class TestClock extends Clock {

    private final AtomicReference<Instant> now;

    private TestClock(Instant start) {
        this.now = new AtomicReference<>(start);
    }

    /** @return a clock standing at the current wall-clock time */
    public static TestClock now() {
        return new TestClock(Instant.now());
    }

    /**
     * @param start where the clock stands until moved
     * @return a clock standing at {@code start}
     */
    public static TestClock at(Instant start) {
        return new TestClock(Objects.requireNonNull(start, "start"));
    }

    /**
     * Moves the clock forward.
     *
     * @param duration how far, zero or more
     * @return the new time
     * @throws IllegalArgumentException when {@code duration} is negative
     */
    public Instant advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a TestClock only moves forward, was asked to move " + duration);
        }
        return now.updateAndGet(t -> t.plus(duration));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /** @throws UnsupportedOperationException always: one clock, one time line */
    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("TestClock is UTC only");
    }

    @Override
    public String toString() {
        return "TestClock[" + now.get() + "]";
    }
}
