package dev.eventbus.runtime.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RendezvousTest {

    private static List<String> partitions(int n) {
        List<String> p = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add("recorder@{orders:" + i + "/" + n + "}");
        }
        return p;
    }

    @Test
    void everyInstanceComputesTheSameOwnerWhateverTheOrderOfTheLiveSet() {
        List<String> live = new ArrayList<>(List.of("a", "b", "c", "d"));
        for (String p : partitions(64)) {
            String owner = Rendezvous.owner(p, live);
            for (int shuffle = 0; shuffle < 5; shuffle++) {
                Collections.shuffle(live);
                assertEquals(owner, Rendezvous.owner(p, live), p);
            }
        }
    }

    @Test
    void noLiveInstanceMeansNoOwner() {
        assertNull(Rendezvous.owner("g@p", List.of()));
    }

    @Test
    void anInstanceLeavingMovesOnlyItsOwnPartitions() {
        List<String> before = List.of("a", "b", "c");
        List<String> after = List.of("a", "c");
        for (String p : partitions(256)) {
            String was = Rendezvous.owner(p, before);
            if (!was.equals("b")) {
                assertEquals(was, Rendezvous.owner(p, after), p + " moved though its owner stayed");
            }
        }
    }

    @Test
    void anInstanceJoiningTakesPartitionsOnlyForItself() {
        List<String> before = List.of("a", "b", "c");
        List<String> after = List.of("a", "b", "c", "d");
        int moved = 0;
        for (String p : partitions(256)) {
            String now = Rendezvous.owner(p, after);
            if (!now.equals(Rendezvous.owner(p, before))) {
                assertEquals("d", now, p + " moved between the instances that stayed");
                moved++;
            }
        }
        assertTrue(moved > 256 / 4 / 2 && moved < 256 / 4 * 2, "the new instance took about a quarter: " + moved);
    }

    @Test
    void partitionsSpreadEvenlyOverTheLiveSet() {
        List<String> live = List.of("eventbus-0", "eventbus-1", "eventbus-2");
        Map<String, Integer> counts = new HashMap<>();
        for (String p : partitions(3000)) {
            counts.merge(Rendezvous.owner(p, live), 1, Integer::sum);
        }
        assertEquals(3, counts.size());
        counts.values().forEach(c -> assertTrue(c > 900 && c < 1100, "share " + c + " of 3000 over 3: " + counts));
    }

    @Test
    void theWeightIsFixedSoOtherImplementationsCanMatchIt() {
        // The function is part of the cluster's agreement: changing it moves partitions during an upgrade.
        assertEquals(Rendezvous.weight("a", "g@p"), Rendezvous.weight("a", "g@p"));
        assertTrue(Rendezvous.weight("a", "g@p") != Rendezvous.weight("a", "g@q"));
        assertTrue(Rendezvous.weight("ab", "c") != Rendezvous.weight("a", "bc"), "the separator counts");
    }
}
