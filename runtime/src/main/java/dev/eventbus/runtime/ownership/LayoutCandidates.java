package dev.eventbus.runtime.ownership;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may own a lease: the live instances that run its layout (its handler on its stream with its
 * partition count). An instance states in its heartbeat which layouts it runs ({@link
 * InstanceLayouts}); one whose layouts are not known (a previous version, which does not state
 * them) counts as running every layout, as before. Without this rule an instance configured with
 * another partition count won partitions it never reads, the others handed them over to it, and
 * nobody read them, without a word (found from outside). Stateless.
 */
public final class LayoutCandidates {

    private LayoutCandidates() {}

    /**
     * The live instances that may own {@code group} on {@code partition}: those that run its
     * layout, and those whose layouts are not known ({@code runs} has no entry for them). Every
     * live instance when the partition is not a partition key.
     */
    public static List<String> of(
            String group, String partition, Collection<String> live, Map<String, Set<RunLayout>> runs) {
        RunLayout layout = RunLayout.of(group, partition);
        return live.stream()
                .filter(id -> {
                    Set<RunLayout> layouts = runs.get(id);
                    return layout == null || layouts == null || layouts.contains(layout);
                })
                .toList();
    }
}
