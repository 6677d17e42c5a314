package dev.eventbus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void eachMarkIsTimedByTheFirstCallThatPassesIt() {
        Progress p = new Progress(200, 3_000, null, 600, 1_000);
        long now = 0;
        for (int done = 0; done < 3_000; done += 100) {
            now += 10;
            p.add(100, now); // the count reaches done + 100 at "now"
        }
        assertEquals(20, p.warmAt()); // 200 reached by the second call
        assertEquals(60, p.at(600));
        assertEquals(100, p.at(1_000));
        assertEquals(150, p.lateAt()); // half of 3,000
        assertEquals(300, p.targetAt());
        assertTrue(p.cpuAt(1_000) >= p.cpuAt(600));
    }

    @Test
    void aCallThatJumpsSeveralMarksTimesThemAll() {
        Progress p = new Progress(10, 100, null, 20);
        p.add(5, 1);
        p.add(200, 2);
        assertEquals(2, p.warmAt());
        assertEquals(2, p.at(20));
        assertEquals(2, p.lateAt());
        assertEquals(2, p.targetAt());
    }

    @Test
    void aMarkNotReachedIsZeroAndOneNeverGivenIsAnError() {
        Progress p = new Progress(10, 100, null);
        p.add(50, 7);
        assertEquals(7, p.warmAt());
        assertEquals(0, p.targetAt());
        assertThrows(IllegalArgumentException.class, () -> p.at(42));
    }
}
