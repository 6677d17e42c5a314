package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailureStreakTest {

    @Test
    void waitDoublesUpToTheCapLogsOnGrowthAndIsForgottenOnSuccess() {
        FailureStreak s = new FailureStreak(Duration.ofMillis(250), Duration.ofSeconds(1));
        assertEquals(Duration.ofMillis(250), s.failed("WRONGTYPE"));
        assertTrue(s.worthLogging());
        assertEquals(Duration.ofMillis(500), s.failed("WRONGTYPE"));
        assertTrue(s.worthLogging());
        assertEquals(Duration.ofSeconds(1), s.failed("WRONGTYPE"));
        assertTrue(s.worthLogging());
        int logged = 0;
        for (int i = 0; i < 20; i++) {
            assertEquals(Duration.ofSeconds(1), s.failed("WRONGTYPE"));
            logged += s.worthLogging() ? 1 : 0;
        }
        assertEquals(2, logged, "at the cap only every 10th failure is logged");
        assertEquals("WRONGTYPE", s.failure());
        assertEquals(23, s.succeeded());
        assertEquals("", s.failure());
        assertEquals(0, s.succeeded());
        assertEquals(Duration.ofMillis(250), s.failed("again"));
        assertTrue(s.worthLogging());
        assertFalse(s.failure().isEmpty());
    }
}
