package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The reclaimer's decisions, without Redis: when a held lane goes on, which consumers may go. */
class PendingReclaimerRulesTest {

    @Test
    void aLaneGoesOnOnlyAfterTwoPassesInARowWithItsEntryNeitherScheduledNorPendingHere() {
        RetryTakenElsewhere rule = new RetryTakenElsewhere();
        Set<String> here = new HashSet<>(Set.of("2-0"));
        Set<String> held = Set.of("1-0", "2-0");
        assertEquals(List.of(), rule.pass(held, here::contains), "one pass may fall between a failure and its retry");
        assertEquals(List.of("1-0"), rule.pass(held, here::contains));
        assertEquals(List.of(), rule.pass(held, here::contains), "released once; the lane no longer holds it");
    }

    @Test
    void anEntrySeenAgainStartsOverAndOneStillPendingHereKeepsItsLane() {
        RetryTakenElsewhere rule = new RetryTakenElsewhere();
        Set<String> here = new HashSet<>();
        Set<String> held = Set.of("1-0");
        assertEquals(List.of(), rule.pass(held, here::contains));
        here.add("1-0"); // its retry is scheduled (or it is pending here) after all
        assertEquals(List.of(), rule.pass(held, here::contains));
        here.clear();
        assertEquals(List.of(), rule.pass(held, here::contains), "two passes in a row, counted afresh");
        assertEquals(List.of("1-0"), rule.pass(held, here::contains));
        here.add("1-0");
        for (int i = 0; i < 5; i++) {
            assertEquals(List.of(), rule.pass(held, here::contains), "still pending here: it keeps its lane");
        }
    }

    @Test
    void onlyAnotherConsumerWithNothingPendingIdleLongEnoughIsRemoved() {
        Duration after = Duration.ofHours(1);
        long hour = after.toMillis();
        assertTrue(PendingReclaimer.removable("old", 0, hour, "me", after));
        assertFalse(PendingReclaimer.removable("me", 0, hour * 5, "me", after), "never this one");
        assertFalse(PendingReclaimer.removable("old", 1, hour * 5, "me", after), "never one with pending entries");
        assertFalse(PendingReclaimer.removable("old", 0, hour - 1, "me", after), "not idle long enough");
        assertFalse(PendingReclaimer.removable(null, 0, hour, "me", after), "an unreadable reply");
    }
}
