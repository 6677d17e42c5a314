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
    void onlyAnotherConsumersGhostWithNothingPendingIsRemoved() {
        Duration after = Duration.ofHours(1);
        GhostConsumers.Rule rule = new GhostConsumers.Rule(Set.of("me", "other"), "me", after);
        assertTrue(rule.removable("dead", 0, 0), "a ghost goes at once once nothing is pending on it");
        assertFalse(rule.removable("dead", 1, after.toMillis() * 5), "never one with pending entries");
        assertFalse(rule.removable("other", 0, after.toMillis() * 5), "never a live instance's, however idle");
        assertFalse(rule.removable("me", 0, after.toMillis() * 5), "never this one");
        assertFalse(rule.removable(null, 0, 0), "an unreadable reply");
    }

    @Test
    void whileNoInstanceHeartbeatsAGhostIsOneIdleLongEnough() {
        Duration after = Duration.ofHours(1);
        GhostConsumers.Rule rule = new GhostConsumers.Rule(Set.of(), "me", after);
        assertTrue(rule.removable("old", 0, after.toMillis()));
        assertFalse(rule.removable("old", 0, after.toMillis() - 1), "not idle long enough");
        assertFalse(rule.removable("old", 1, after.toMillis() * 5), "never one with pending entries");
        assertFalse(rule.removable("me", 0, after.toMillis() * 5), "never this one");
    }
}
