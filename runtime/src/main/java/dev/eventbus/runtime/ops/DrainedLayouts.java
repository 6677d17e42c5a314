package dev.eventbus.runtime.ops;

import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.consumer.GroupBacklog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code status} says of partitioned streams whose count changes ({@code draining}): per old
 * layout, whether every consumer group on its partitions is drained (nothing undelivered, nothing
 * pending), so that its count can be removed from {@code draining}, or how much each handler has left.
 * Stateless.
 */
public final class DrainedLayouts {

    private DrainedLayouts() {}

    /**
     * @param draining per logical stream, its layouts still listed under {@code draining}
     * @param all every subscription as Redis shows it
     * @return one line per old layout
     */
    public static List<String> notes(Map<String, List<PartitionedStream>> draining, List<SubscriptionStatus> all) {
        List<String> notes = new ArrayList<>();
        draining.forEach((stream, layouts) -> {
            for (PartitionedStream layout : layouts) {
                List<String> keys = layout.keys();
                // Per handler (group): each owes the layout's entries, so a sum counted an entry once per handler.
                Map<String, Long> owed = new TreeMap<>();
                boolean unknown = false;
                for (SubscriptionStatus s : all) {
                    if (keys.contains(s.stream())) {
                        unknown |= s.lag() < 0;
                        owed.merge(s.handler(), Math.max(0, s.lag()) + s.pending(), Long::sum);
                    }
                }
                String perGroup = GroupBacklog.perGroup(owed);
                String what = "stream " + stream + ": the old layout of " + layout.partitions() + " partitions";
                if (perGroup.isEmpty() && !unknown) {
                    notes.add(what + " is drained: remove " + layout.partitions() + " from eventbus.streams." + stream
                            + ".draining");
                } else {
                    String lagUnknown = "lag unknown on some partition";
                    notes.add(what + " is draining: "
                            + (perGroup.isEmpty()
                                    ? "nothing pending, " + lagUnknown
                                    : "entries undelivered or pending (" + perGroup + (unknown ? "; " + lagUnknown : "")
                                            + ")")
                            + "; keep it in eventbus.streams." + stream + ".draining");
                }
            }
        });
        return notes;
    }
}
