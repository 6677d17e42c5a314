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

    @Test
    void aChangeCutsAWaitShortOnceAndStartsTheBackOffOverOnlyTheFirstTime() {
        FailureStreak s = new FailureStreak(Duration.ofMillis(200), Duration.ofSeconds(30));
        assertFalse(s.changeMayCut(), "no failure, no wait to cut");
        s.triedOnChange(); // no streak: no effect
        assertEquals(Duration.ofMillis(200), s.failed("down"));
        assertEquals(Duration.ofMillis(400), s.failed("down"));
        assertTrue(s.changeMayCut());
        s.triedOnChange(); // the first of the streak: the back-off starts over
        assertEquals(Duration.ofMillis(200), s.failed("down"));
        assertFalse(s.changeMayCut(), "a try a change started failed: its wait is waited out");
        assertEquals(Duration.ofMillis(400), s.failed("down"));
        assertTrue(s.changeMayCut(), "a try the back-off started failed: a change may cut the wait");
        s.triedOnChange(); // not the first: the back-off goes on growing
        assertEquals(Duration.ofMillis(800), s.failed("down"));
        assertFalse(s.changeMayCut());
        s.succeeded();
        assertEquals(Duration.ofMillis(200), s.failed("down"));
        s.triedOnChange(); // a new streak: the first change starts its back-off over again
        assertEquals(Duration.ofMillis(200), s.failed("down"));
        assertFalse(s.changeMayCut());
    }
}
