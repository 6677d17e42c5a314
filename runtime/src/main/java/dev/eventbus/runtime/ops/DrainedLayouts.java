package dev.eventbus.runtime.ops;

import dev.eventbus.producer.PartitionedStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code status} says of partitioned streams whose count changes ({@code draining}): per old
 * layout, whether every consumer group on its partitions is drained (nothing undelivered, nothing
 * pending), so that its count can be removed from {@code draining}, or how much is left.
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
                long left = 0;
                boolean unknown = false;
                for (SubscriptionStatus s : all) {
                    if (keys.contains(s.stream())) {
                        unknown |= s.lag() < 0;
                        left += Math.max(0, s.lag()) + s.pending();
                    }
                }
                String what = "stream " + stream + ": the old layout of " + layout.partitions() + " partitions";
                if (left == 0 && !unknown) {
                    notes.add(what + " is drained: remove " + layout.partitions() + " from eventbus.streams." + stream
                            + ".draining");
                } else {
                    notes.add(what + " is draining: " + left + " entr" + (left == 1 ? "y" : "ies")
                            + " undelivered or pending" + (unknown ? " (lag unknown on some partition)" : "")
                            + "; keep it in eventbus.streams." + stream + ".draining");
                }
            }
        });
        return notes;
    }
}
