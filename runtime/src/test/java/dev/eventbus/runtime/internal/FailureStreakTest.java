package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailureStreakTest {

    @Test
    void waitDoublesUpToTheCapLogsOnGrowthAndIsForgottenOnSuccess() {
        long[] now = {0};
        FailureStreak s = new FailureStreak(Duration.ofMillis(250), Duration.ofSeconds(1), () -> now[0]);
        assertEquals(Duration.ofMillis(250), s.failed("WRONGTYPE"));
        assertTrue(s.worthLogging(Duration.ofMillis(250)));
        assertEquals(Duration.ofMillis(500), s.failed("WRONGTYPE"));
        assertTrue(s.worthLogging(Duration.ofMillis(500)));
        assertEquals(Duration.ofSeconds(1), s.failed("WRONGTYPE"));
        assertTrue(s.worthLogging(Duration.ofSeconds(1)));
        int logged = 0;
        for (int i = 0; i < 120; i++) { // two minutes at the cap
            now[0] += Duration.ofSeconds(1).toNanos();
            assertEquals(Duration.ofSeconds(1), s.failed("WRONGTYPE"));
            logged += s.worthLogging(Duration.ofSeconds(1)) ? 1 : 0;
        }
        assertEquals(2, logged, "at the cap one line a minute");
        assertEquals("WRONGTYPE", s.failure());
        assertEquals(123, s.succeeded());
        assertEquals("", s.failure());
        assertEquals(0, s.succeeded());
        assertEquals(Duration.ofMillis(250), s.failed("again"));
        assertTrue(s.worthLogging(Duration.ofMillis(250)));
        assertFalse(s.failure().isEmpty());
    }

    @Test
    void aWaitClampedBelowTheBackOffStopsGrowingAndSoDoItsLines() {
        // A reader's wait after a lost connection is clamped to its reconnect cap (5 s) while the
        // back-off goes on doubling to 30 s: the doubling behind the clamp is no growth of the wait.
        long[] now = {0};
        FailureStreak s = new FailureStreak(Duration.ofMillis(200), Duration.ofSeconds(30), () -> now[0]);
        Duration clamp = Duration.ofSeconds(5);
        int logged = 0;
        for (int i = 0; i < 12; i++) { // 200 ms ... 3.2 s, then eight rounds at the clamp (about 40 s)
            Duration waited = s.failed("Connection refused");
            waited = waited.compareTo(clamp) > 0 ? clamp : waited;
            logged += s.worthLogging(waited) ? 1 : 0;
            now[0] += waited.toNanos();
        }
        assertEquals(6, logged, "200, 400, 800, 1600, 3200 ms and the first 5 s: not each 5 s round after");
    }

    @Test
    void aConnectionMadeCutsAWaitAtMostOncePerSpacingAndStartsTheBackOffOverOnlyTheFirstTime() {
        long[] now = {0};
        FailureStreak s = new FailureStreak(Duration.ofMillis(200), Duration.ofSeconds(30), () -> now[0]);
        assertFalse(s.changeMayCut(), "no failure, no wait to cut");
        s.triedOnChange(); // no streak: no effect
        assertEquals(Duration.ofMillis(200), s.failed("down"));
        assertEquals(Duration.ofMillis(400), s.failed("down"));
        assertTrue(s.changeMayCut());
        s.triedOnChange(); // the first of the streak: the back-off starts over
        assertEquals(Duration.ofMillis(200), s.failed("down"));
        assertFalse(s.changeMayCut(), "a try a change started just now: the next must wait for the spacing");
        assertEquals(FailureStreak.CHANGE_SPACING.toNanos(), s.mayCutIn());
        now[0] += FailureStreak.CHANGE_SPACING.toNanos() - 1;
        assertFalse(s.changeMayCut());
        now[0] += 1;
        assertTrue(s.changeMayCut(), "a spacing later a change may cut the wait again");
        assertEquals(0, s.mayCutIn());
        s.triedOnChange(); // not the first: the back-off goes on growing
        assertEquals(Duration.ofMillis(400), s.failed("down"));
        assertFalse(s.changeMayCut());
        s.succeeded();
        assertEquals(Duration.ofMillis(200), s.failed("down"));
        assertTrue(s.changeMayCut(), "a new streak: its first change may cut at once");
        s.triedOnChange(); // and starts its back-off over again
        assertEquals(Duration.ofMillis(200), s.failed("down"));
    }

    /**
     * A try a new topology started (a promoted replica) often fails at once, the connection to the
     * new primary still being made: the connection made right after must still cut the wait.
     */
    @Test
    void aTryANewTopologyStartedStartsTheBackOffOverAndLeavesTheNextWaitToConnectionsMade() {
        long[] now = {0};
        FailureStreak s = new FailureStreak(Duration.ofMillis(200), Duration.ofSeconds(30), () -> now[0]);
        s.failed("down");
        s.failed("down");
        s.failed("down");
        assertEquals(Duration.ofMillis(1600), s.failed("down"));
        s.triedOnNewTopology();
        assertEquals(Duration.ofMillis(200), s.failed("not connected yet"), "the back-off starts over");
        assertTrue(s.changeMayCut(), "the connection to the new primary, made now, may cut this wait");
        s.triedOnChange();
        s.failed("still");
        s.triedOnNewTopology(); // a new topology is not held back by the spacing, and starts it over again
        assertEquals(Duration.ofMillis(200), s.failed("not connected yet"));
    }
}
