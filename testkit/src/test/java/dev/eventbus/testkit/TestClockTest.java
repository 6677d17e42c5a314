package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TestClockTest {

    @Test
    void standsStillUntilAdvanced() {
        TestClock clock = TestClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        assertEquals(Instant.parse("2026-01-01T00:00:00Z"), clock.instant());
        assertEquals(Instant.parse("2026-01-01T00:05:00Z"), clock.advance(Duration.ofMinutes(5)));
        assertEquals(Instant.parse("2026-01-01T00:05:00Z"), clock.instant());
        assertEquals(clock.instant().toEpochMilli(), clock.millis());
    }

    @Test
    void neverMovesBackwards() {
        TestClock clock = TestClock.now();
        assertThrows(IllegalArgumentException.class, () -> clock.advance(Duration.ofSeconds(-1)));
    }
}
