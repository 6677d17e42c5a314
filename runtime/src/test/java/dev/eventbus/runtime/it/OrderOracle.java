package dev.eventbus.runtime.it;

import dev.eventbus.runtime.it.HandlerCalls.Call;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Judges a record of handler calls of an ordered handler against the README's promise across
 * instances: per subject, calls in start order follow the sequence numbers (a repeat of the last
 * one allowed, never a step back or a gap), every sequence number is handled, a repeat carries its
 * first delivery's event id, and no call of a subject starts before an earlier call of that subject
 * ended, unless one of the two is in the documented window: the earlier call was running when its
 * instance was frozen (SIGSTOP) and so outlived that instance's lease, or the later call is one the
 * frozen instance checked against its lease before the SIGSTOP and started only after the SIGCONT
 * (a check, then the call: a freeze between the two is the same window), whether the new owner's
 * later calls still run then or have ended (then it is a step back, in the same window; seen in a
 * loaded full verify). Such a late call does not
 * count as the subject's next step either: it is a repeat, or the first delivery of an event the new
 * owner handles again.
 */
final class OrderOracle {

    /** What the oracle found; {@code problems} lists every breach of the promise (empty when it held). */
    record Verdict(
            int calls,
            int subjects,
            int lost,
            int duplicates,
            int overlapsInWindow,
            int lateInWindow,
            int overlapsOutsideWindow,
            Map<String, Long> callsPerInstance,
            List<String> problems) {

        String summary() {
            return "calls " + calls + ", subjects " + subjects + ", lost " + lost + ", duplicates " + duplicates
                    + " (all with their first delivery's id unless listed), overlaps in the window "
                    + overlapsInWindow + ", outside it " + overlapsOutsideWindow + ", steps back in the window "
                    + lateInWindow + ", per instance "
                    + callsPerInstance + ", problems " + problems.size();
        }
    }

    /**
     * An instance sent SIGSTOP at {@code signalledNanos}, seen stopped at {@code stoppedNanos} and
     * sent SIGCONT at {@code thawedNanos}: the calls it was running in between are in the window (it
     * stopped at some instant there), and so are its calls that start within {@link #RESUME_NANOS}
     * of the thaw (their lease check may have passed before the SIGSTOP; one made after the thaw
     * finds the lease's local deadline passed and starts nothing on a lost partition).
     */
    record Freeze(String instance, long signalledNanos, long stoppedNanos, long thawedNanos) {

        /** How long after SIGCONT a call checked before the SIGSTOP may take to start, on a busy machine. */
        static final long RESUME_NANOS = 1_000_000_000L;

        boolean spans(Call call) {
            return call.instance().equals(instance)
                    && call.startNanos() <= stoppedNanos
                    && call.endNanos() >= signalledNanos;
        }

        boolean resumedInto(Call call) {
            return call.instance().equals(instance)
                    && call.startNanos() >= signalledNanos
                    && call.startNanos() <= thawedNanos + RESUME_NANOS;
        }
    }

    private OrderOracle() {}

    static Verdict judge(List<Call> all, int subjects, int eventsPerSubject, List<Freeze> freezes) {
        Map<String, List<Call>> bySubject =
                all.stream().collect(Collectors.groupingBy(Call::subject, HashMap::new, Collectors.toList()));
        List<String> problems = new ArrayList<>();
        int lost = (subjects - bySubject.size()) * eventsPerSubject;
        int duplicates = 0;
        int inWindow = 0;
        int lateInWindow = 0;
        int outside = 0;
        for (Map.Entry<String, List<Call>> e : bySubject.entrySet()) {
            String subject = e.getKey();
            List<Call> list = new ArrayList<>(e.getValue());
            list.sort(Comparator.comparingLong(Call::startNanos));
            Map<Integer, String> firstId = new HashMap<>();
            Set<Integer> seen = new HashSet<>();
            Call previous = null;
            Call longest = null; // of the calls started so far, the one that ends last
            for (Call call : list) {
                boolean overlaps = longest != null && call.startNanos() < longest.endNanos();
                boolean stepsBack = previous != null && call.seq() < previous.seq();
                if ((overlaps || stepsBack) && freezes.stream().anyMatch(f -> f.resumedInto(call))) {
                    // Checked before the freeze, started after it, while the new owner went on (or
                    // after the new owner's later calls had ended: the same window, one step back).
                    if (overlaps) {
                        inWindow++;
                    } else {
                        lateInWindow++;
                    }
                    if (!seen.add(call.seq())) {
                        duplicates++;
                        if (!call.eventId().equals(firstId.get(call.seq()))) {
                            problems.add(subject + ": seq " + call.seq() + " again with another event id: " + call);
                        }
                    }
                    firstId.putIfAbsent(call.seq(), call.eventId());
                    if (longest == null || call.endNanos() > longest.endNanos()) {
                        longest = call;
                    }
                    continue;
                }
                if (previous == null && call.seq() != 1) {
                    problems.add(subject + ": first call is seq " + call.seq() + " (" + call + ")");
                }
                if (previous != null && call.seq() != previous.seq() && call.seq() != previous.seq() + 1) {
                    problems.add(subject + ": seq " + call.seq() + " after " + previous.seq() + " (" + call + " after "
                            + previous + ")");
                }
                if (longest != null && call.startNanos() < longest.endNanos()) {
                    Call earlier = longest;
                    // The earlier one ran in the window: across the freeze, or resumed after it
                    // with a check made before it (a repeat of the subject's last step, so it went
                    // on as one, and the new owner's next call started while it still ran: seen
                    // in a full verify).
                    if (freezes.stream().anyMatch(f -> f.spans(earlier) || f.resumedInto(earlier))) {
                        inWindow++;
                    } else {
                        outside++;
                        problems.add(subject + ": " + call + " overlaps " + earlier);
                    }
                }
                if (!seen.add(call.seq())) {
                    duplicates++;
                    if (!call.eventId().equals(firstId.get(call.seq()))) {
                        problems.add(subject + ": seq " + call.seq() + " again with another event id: " + call);
                    }
                }
                firstId.putIfAbsent(call.seq(), call.eventId());
                previous = call;
                if (longest == null || call.endNanos() > longest.endNanos()) {
                    longest = call;
                }
            }
            if (seen.size() != eventsPerSubject) {
                lost += eventsPerSubject - seen.size();
                problems.add(subject + ": handled " + seen.size() + " of " + eventsPerSubject);
            }
        }
        if (bySubject.size() != subjects) {
            problems.add((subjects - bySubject.size()) + " subjects never handled");
        }
        return new Verdict(
                all.size(),
                bySubject.size(),
                lost,
                duplicates,
                inWindow,
                lateInWindow,
                outside,
                all.stream()
                        .collect(Collectors.groupingBy(Call::instance, java.util.TreeMap::new, Collectors.counting())),
                problems);
    }
}
