package dev.eventbus.faults;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;

/**
 * What the oracle saw at one instant.
 *
 * @param produced sequence numbers written (acknowledged XADDs)
 * @param handled seqs applied at the order service (orderId {@code s-<seq>})
 * @param deadLetters seq -> fields of its dead letter(s) other than {@code trimmed} (the last one wins)
 * @param trimmed seqs recorded as loss with reason {@code trimmed}
 * @param dlqEntries every entry of the dead-letter stream (more than the seqs when one was dead-lettered twice)
 * @param unknownDlq dead letters whose source id the producer never wrote
 * @param calls MarkPaid calls received, all outcomes
 * @param duplicates calls beyond the first per seq
 * @param appliedTwice seqs applied more than once (under different keys): must be empty
 * @param keyMismatches calls whose idempotency key is not {@code fault-handler/faults/<entry id of seq>}, or
 *     without {@code eventbus-attempt} metadata
 * @param lost produced - (handled + dead-lettered + trimmed)
 * @param pending XPENDING count of the group, -1 when it could not be read (no group, Redis away)
 */
record Outcome(
        int produced,
        Set<Integer> handled,
        Map<Integer, Map<String, String>> deadLetters,
        Set<Integer> trimmed,
        int dlqEntries,
        int unknownDlq,
        int calls,
        int duplicates,
        Set<Integer> appliedTwice,
        List<String> keyMismatches,
        SortedSet<Integer> lost,
        long pending) {

    boolean done() {
        return lost.isEmpty() && pending == 0;
    }

    String summary() {
        return "produced " + produced + ", handled " + handled.size() + ", dead-lettered " + deadLetters.size()
                + ", trimmed " + trimmed.size() + ", dlq entries " + dlqEntries + ", unknown dlq " + unknownDlq
                + ", calls " + calls + ", duplicates " + duplicates + ", applied twice " + appliedTwice.size()
                + ", key mismatches " + keyMismatches.size() + ", pending " + pending + ", lost " + lost.size()
                + (lost.isEmpty() ? "" : " e.g. " + lost.stream().limit(20).toList());
    }
}
