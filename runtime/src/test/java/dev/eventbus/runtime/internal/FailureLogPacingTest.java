package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailureLogPacingTest {

    private final long[] now = {0};
    private final FailureLogPacing pacing = new FailureLogPacing(() -> now[0]);

    private boolean failedThenWait(Duration wait) {
        return failedThenWait(wait, "unreachable");
    }

    private boolean failedThenWait(Duration wait, String why) {
        boolean line = pacing.failed(wait, why);
        now[0] += wait.toNanos();
        return line;
    }

    @Test
    void theFirstFailureAndEachGrowthAreLoggedThenOneReminderAMinuteAtTheLongestWait() {
        assertTrue(failedThenWait(Duration.ofMillis(200)), "the first failure");
        assertTrue(failedThenWait(Duration.ofMillis(400)), "the wait grew");
        assertTrue(failedThenWait(Duration.ofSeconds(5)), "the wait grew");
        int lines = 0;
        for (int i = 0; i < 11; i++) { // 55 s at the longest wait: the outage of the finding and more
            lines += failedThenWait(Duration.ofSeconds(5)) ? 1 : 0;
        }
        assertEquals(0, lines, "no line per round while the wait stays the same");
        assertTrue(failedThenWait(Duration.ofSeconds(5)), "a reminder a minute after the last line");
        assertFalse(failedThenWait(Duration.ofSeconds(5)));
    }

    @Test
    void anHourAtTheLongestWaitLogsAboutOnceAMinute() {
        int lines = 0;
        for (int i = 0; i < 720; i++) { // an hour of 5 s waits
            lines += failedThenWait(Duration.ofSeconds(5)) ? 1 : 0;
        }
        assertEquals(60, lines);
    }

    @Test
    void aSuccessMakesTheNextFailureAFirstOneAgain() {
        assertTrue(failedThenWait(Duration.ofSeconds(5)));
        assertFalse(failedThenWait(Duration.ofSeconds(5)));
        pacing.succeeded();
        assertTrue(failedThenWait(Duration.ofSeconds(5)), "a new streak's first failure");
    }

    /**
     * Found by review: a new reason at the longest wait (Redis back, now refusing the login) waited
     * up to a minute for its line; two reasons taking turns are each told once.
     */
    @Test
    void aNewReasonIsLoggedAtOnceAndReasonsTakingTurnsOnce() {
        assertTrue(failedThenWait(Duration.ofSeconds(5), "unreachable"));
        assertFalse(failedThenWait(Duration.ofSeconds(5), "unreachable"));
        assertTrue(failedThenWait(Duration.ofSeconds(5), "authentication failed"), "a new reason");
        assertFalse(failedThenWait(Duration.ofSeconds(5), "unreachable"), "told in this run already");
        assertFalse(failedThenWait(Duration.ofSeconds(5), "authentication failed"));
        pacing.succeeded();
        assertTrue(failedThenWait(Duration.ofSeconds(5), "unreachable"), "a new run of failures");
    }

    @Test
    void aReasonThatVariesEachRoundIsToldAFewTimesThenOnceAMinute() {
        int lines = 0;
        for (int i = 0; i < 720; i++) { // an hour of 5 s waits, a new text each time
            lines += failedThenWait(Duration.ofSeconds(5), "timed out after " + i + " ms") ? 1 : 0;
        }
        assertTrue(lines <= 60 + 8, "lines: " + lines);
    }
}
