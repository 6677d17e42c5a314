package dev.eventbus.faults;

import dev.eventbus.samples.orders.OrderServer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The randomized mode's oracle, run once the schedule healed and the system drained. Per handler:
 * every acknowledged event the nemesis did not remove is handled (applied at the order service) or
 * dead-lettered with a reason; a loss record ({@code trimmed}) exists only for an entry the nemesis
 * removed; every call of one event carries one idempotency key ({@code <group>/<stream>/<entry id>});
 * nothing is applied twice; dead letters name entries that were written. For the ordered handler,
 * within one runtime process and one subject, the first deliveries of events never called before
 * come in stream order. Events whose XADD went unanswered may or may not exist: nothing is asked of
 * them but one key. Not thread-safe; one use.
 */
final class NemesisOracle {

    /**
     * The judgement of one schedule.
     *
     * @param violations every broken promise, described (empty: the schedule passed)
     * @param counts one line of counts per handler, for the report
     */
    record Verdict(List<String> violations, List<String> counts) {}

    private static final int SHOWN = 10;
    private final Nemesis nemesis;

    NemesisOracle(Nemesis nemesis) {
        this.nemesis = nemesis;
    }

    Verdict judge(int faultsRun) {
        List<String> violations = new ArrayList<>(nemesis.violations);
        List<String> counts = new ArrayList<>();
        Map<Integer, String> produced = nemesis.load.produced;
        Map<String, Integer> seqOfId = new HashMap<>();
        produced.forEach((seq, id) -> seqOfId.put(id, seq));
        List<OrderServer.ReceivedCall> allCalls = nemesis.rig.orders.calls();
        counts.add("faults " + faultsRun + ", produced " + produced.size() + ", unanswered XADDs "
                + nemesis.load.unacknowledged.size() + ", removed by the nemesis " + nemesis.removed.size()
                + " (+" + nemesis.maybeRemoved.size() + " maybe), misbehaving events "
                + nemesis.load.misbehaviour.size());
        for (int h = 0; h < Nemesis.HANDLERS.size(); h++) {
            String group = Nemesis.HANDLERS.get(h);
            String prefix = Nemesis.PREFIXES.get(h);
            List<OrderServer.ReceivedCall> calls = allCalls.stream()
                    .filter(c -> c.orderId() != null && c.orderId().startsWith(prefix))
                    .toList();
            Map<Integer, Integer> callsPerSeq = new HashMap<>();
            Map<Integer, Integer> appliedPerSeq = new HashMap<>();
            Map<Integer, Set<String>> keysPerSeq = new HashMap<>();
            List<String> bad = new ArrayList<>();
            for (OrderServer.ReceivedCall call : calls) {
                int seq = Integer.parseInt(call.orderId().substring(prefix.length()));
                callsPerSeq.merge(seq, 1, Integer::sum);
                if (call.applied()) {
                    appliedPerSeq.merge(seq, 1, Integer::sum);
                }
                keysPerSeq.computeIfAbsent(seq, k -> new HashSet<>()).add(String.valueOf(call.idempotencyKey()));
            }
            keysPerSeq.forEach((seq, keys) -> {
                String id = produced.get(seq);
                String expected = group + "/" + FaultRig.STREAM + "/" + id;
                if (keys.size() > 1 || (id != null && !keys.contains(expected))) {
                    bad.add(group + " seq " + seq + ": idempotency keys " + keys
                            + (id == null ? "" : ", expected " + expected));
                }
            });
            appliedPerSeq.forEach((seq, n) -> {
                if (n > 1) {
                    bad.add(group + " seq " + seq + ": applied " + n + " times");
                }
            });
            Map<String, List<Map<String, String>>> letters = new HashMap<>();
            int dlqEntries = 0;
            for (Map.Entry<String, Map<String, String>> e : deadLetters(group).entrySet()) {
                dlqEntries++;
                Map<String, String> letter = e.getValue();
                String source = letter.get("eventbus-source-id");
                String reason = letter.get("eventbus-reason");
                if (reason == null || reason.isBlank()) {
                    bad.add(group + " dead letter " + e.getKey() + " without a reason: " + letter);
                }
                if (!seqOfId.containsKey(source) && !unansweredSeq(letter)) {
                    bad.add(group + " dead letter " + e.getKey() + " of an entry never written: " + letter);
                }
                letters.computeIfAbsent(source, k -> new ArrayList<>()).add(letter);
            }
            int handled = 0;
            int deadLettered = 0;
            int lossRecords = 0;
            int removedSeen = 0;
            List<Integer> lost = new ArrayList<>();
            for (Map.Entry<Integer, String> e : produced.entrySet()) {
                int seq = e.getKey();
                String id = e.getValue();
                boolean removed = nemesis.removed.contains(id) || nemesis.maybeRemoved.contains(id);
                boolean applied = appliedPerSeq.containsKey(seq);
                List<Map<String, String>> mine = letters.getOrDefault(id, List.of());
                boolean loss = mine.stream().anyMatch(l -> "trimmed".equals(l.get("eventbus-reason")));
                boolean dead = mine.stream().anyMatch(l -> !"trimmed".equals(l.get("eventbus-reason")));
                handled += applied ? 1 : 0;
                deadLettered += dead ? 1 : 0;
                lossRecords += loss ? 1 : 0;
                removedSeen += removed ? 1 : 0;
                if (removed) {
                    continue;
                }
                if (loss) {
                    bad.add(group + " seq " + seq + " (" + id
                            + "): recorded as lost, but the nemesis never removed it");
                }
                if (!applied && !dead) {
                    lost.add(seq);
                }
            }
            if (!lost.isEmpty()) {
                bad.add(group + ": " + lost.size() + " event(s) neither handled nor dead-lettered nor removed, e.g. "
                        + describe(lost));
            }
            if (h == 1 && nemesis.ordered) {
                bad.addAll(orderingInversions(group, calls));
            }
            int duplicates = callsPerSeq.values().stream().mapToInt(n -> n - 1).sum();
            counts.add(group + ": calls " + calls.size() + ", handled " + handled + ", dead-lettered " + deadLettered
                    + ", loss records " + lossRecords + ", removed " + removedSeen + ", dlq entries " + dlqEntries
                    + ", calls beyond the first " + duplicates + ", violations " + bad.size());
            violations.addAll(bad.size() > 3 * SHOWN ? bad.subList(0, 3 * SHOWN) : bad);
            if (bad.size() > 3 * SHOWN) {
                violations.add(group + ": " + (bad.size() - 3 * SHOWN) + " more violations");
            }
        }
        return new Verdict(violations, counts);
    }

    /**
     * Within one process (wallet {@code pid-<pid>}) and one subject, first deliveries (attempt 1) of
     * events never called before must rise in seq (= stream order, one producer). Redeliveries
     * (retries, reclaims) are left out: the README promises no order for them. A destroyed group
     * starts the check again: the re-created group reads the stream from its start, so an event read
     * before the destroy by an instance that died, never called, comes back with attempt 1 among
     * later ones. After a destroy only events past every seq called before it are checked.
     */
    private List<String> orderingInversions(String group, List<OrderServer.ReceivedCall> calls) {
        Set<Integer> seen = new HashSet<>();
        Map<String, Integer> lastFresh = new HashMap<>();
        List<String> inversions = new ArrayList<>();
        List<Instant> destroys = nemesis.destroyed.getOrDefault(group, List.of()).stream()
                .sorted()
                .toList();
        int nextDestroy = 0;
        int highestBefore = -1; // highest seq called before the last destroy
        int highest = -1;
        for (OrderServer.ReceivedCall call : calls) {
            while (nextDestroy < destroys.size() && !call.receivedAt().isBefore(destroys.get(nextDestroy))) {
                nextDestroy++;
                lastFresh.clear();
                highestBefore = highest;
            }
            int seq = Integer.parseInt(call.orderId().substring(2));
            highest = Math.max(highest, seq);
            if (!seen.add(seq) || call.attempt() != 1 || seq <= highestBefore) {
                continue;
            }
            String subject = nemesis.load.subjectOf.get(seq);
            String lane = call.walletId() + "/" + subject;
            Integer before = lastFresh.put(lane, seq);
            if (before != null && before > seq) {
                inversions.add(group + " " + lane + ": seq " + seq + " first delivered after seq " + before);
                lastFresh.put(lane, before);
            }
        }
        return inversions;
    }

    private boolean unansweredSeq(Map<String, String> letter) {
        try {
            return nemesis.load.unacknowledged.contains(Integer.parseInt(letter.get(LoadGenerator.SEQ_FIELD)));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private String describe(List<Integer> seqs) {
        StringBuilder sb = new StringBuilder();
        for (int seq : seqs.stream().sorted().limit(SHOWN).toList()) {
            sb.append("seq ").append(seq).append(' ').append(nemesis.load.produced.get(seq));
            String m = nemesis.load.misbehaviour.get(seq);
            sb.append(m == null ? "" : " (" + m + ")").append("; ");
        }
        return sb.toString();
    }

    private Map<String, Map<String, String>> deadLetters(String group) {
        Map<String, Map<String, String>> result = new java.util.LinkedHashMap<>();
        for (Object e : (List<?>) nemesis.rig.redis("XRANGE", "eventbus:dlq:" + group, "-", "+")) {
            List<?> entry = (List<?>) e;
            Map<String, String> fields = new java.util.LinkedHashMap<>();
            FaultRig.asMap((List<?>) entry.get(1)).forEach((k, v) -> fields.put(k, String.valueOf(v)));
            result.put((String) entry.get(0), fields);
        }
        return result;
    }
}
