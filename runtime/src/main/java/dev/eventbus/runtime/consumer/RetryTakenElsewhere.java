package dev.eventbus.runtime.consumer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The reclaimer's rule for an ordering lane held for a retry that never comes here: retries are
 * shared by the group, so another instance may take it (or settle the entry). A lane goes on when
 * on two passes in a row its entry was neither scheduled for a retry nor pending here; one pass is
 * not enough, as the entry may be between its failure and its retry record. An entry still pending
 * here without a retry (its retry or dead letter could not be written) keeps its lane until it is
 * reclaimed, and goes first then.
 *
 * <p>Not thread-safe: the reclaimer's loop alone uses it.
 */
final class RetryTakenElsewhere {

    /** Held entries found neither scheduled nor pending here on the last pass. */
    private Set<String> goneLastPass = Set.of();

    /**
     * One pass.
     *
     * @param heldForRetry entries holding their subject's lane, waiting for their retry
     * @param stillHere whether an entry is scheduled for a retry or pending here
     * @return the entries whose lanes go on now
     */
    List<String> pass(Set<String> heldForRetry, Predicate<String> stillHere) {
        List<String> release = new ArrayList<>();
        Set<String> gone = new HashSet<>();
        for (String id : heldForRetry) {
            if (stillHere.test(id)) {
                continue;
            }
            if (goneLastPass.contains(id)) {
                release.add(id);
            } else {
                gone.add(id);
            }
        }
        goneLastPass = gone;
        return release;
    }
}
