package dev.eventbus.runtime.ownership;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which streams the live instances disagree on: for each partitioned stream, the partition counts
 * (layouts, {@code draining} ones included) each instance runs ordered handlers on. Instances with
 * different layouts do not take each other's partitions ({@link LayoutCandidates}), so a layout
 * only some instances run is read by those only; the disagreement deserves a warning (a forgotten
 * config, or a rolling change of the count half done). Stateless.
 */
public final class LayoutMismatch {

    private LayoutMismatch() {}

    /**
     * One sentence per stream the instances disagree on, sorted by stream, e.g. {@code stream
     * wallet: live instances disagree on its partition count: inst-a, inst-d run 8; inst-e runs 4}.
     *
     * @param runs each live instance's layouts (of those whose layouts are known)
     */
    public static List<String> of(Map<String, Set<RunLayout>> runs) {
        Map<String, Map<String, SortedSet<Integer>>> counts = new TreeMap<>();
        runs.forEach((instance, layouts) -> {
            for (RunLayout layout : layouts) {
                counts.computeIfAbsent(layout.stream(), s -> new TreeMap<>())
                        .computeIfAbsent(instance, i -> new TreeSet<>())
                        .add(layout.partitions());
            }
        });
        List<String> sentences = new ArrayList<>();
        counts.forEach((stream, byInstance) -> {
            Map<String, List<String>> instancesByCounts = new TreeMap<>();
            byInstance.forEach((instance, ns) -> instancesByCounts
                    .computeIfAbsent(
                            ns.stream().map(String::valueOf).collect(Collectors.joining(" and ")),
                            k -> new ArrayList<>())
                    .add(instance));
            if (instancesByCounts.size() > 1) {
                sentences.add("stream " + stream + ": live instances disagree on its partition count: "
                        + instancesByCounts.entrySet().stream()
                                .map(e -> String.join(", ", e.getValue())
                                        + (e.getValue().size() == 1 ? " runs " : " run ")
                                        + e.getKey())
                                .collect(Collectors.joining("; ")));
            }
        });
        return sentences;
    }
}
