package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.HostPort;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says which node of a Redis Cluster a key lives on, and whether its slot moved lately: fed with
 * the client's topology-change events (a promoted replica, a migrated slot), it keeps the topology
 * before and after each recent change, so that a key whose owner changed within {@link
 * StreamNode#RECENT} is reported as followed, with its former node and the time since that key's
 * owner changed (not since some other change of the topology: each key is timed on its own).
 *
 * <p>Thread-safe: events come from Lettuce's threads.
 */
final class ClusterTopologyLog {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterTopologyLog.class);

    private record Change(Partitions before, Partitions after, Instant at) {}

    private static final int MAX_CHANGES = 16;

    private final Supplier<Partitions> now;
    private final Clock clock;
    /** The changes of the last {@link StreamNode#RECENT}, oldest first (a failover takes several). */
    private final Deque<Change> recent = new ConcurrentLinkedDeque<>();

    /** Whether changes are logged: by the readers' client only, once per change (not once per client). */
    private final boolean logs;

    /** @param now the client's current view of the topology */
    ClusterTopologyLog(Supplier<Partitions> now, Clock clock) {
        this(now, clock, true);
    }

    /** @param logs whether to log each change that moves slots to other primaries */
    ClusterTopologyLog(Supplier<Partitions> now, Clock clock, boolean logs) {
        this.now = now;
        this.clock = clock;
        this.logs = logs;
    }

    /** Notes a change of the topology: who served which slots before it, and when. */
    void changed(ClusterTopologyChangedEvent event) {
        Instant at = clock.instant();
        recent.addLast(new Change(partitions(event.before()), partitions(event.after()), at));
        for (Change oldest = recent.peekFirst();
                oldest != null
                        && (recent.size() > MAX_CHANGES
                                || Duration.between(oldest.at(), at).compareTo(StreamNode.RECENT) >= 0);
                oldest = recent.peekFirst()) {
            recent.pollFirst();
        }
        // A replica that rejoins, a node's flags: no slot changes its primary, nothing to follow.
        Map<String, Set<Integer>> after = slotsByPrimary(event.after());
        if (logs && !after.equals(slotsByPrimary(event.before()))) {
            int served = after.values().stream().mapToInt(Set::size).sum();
            LOG.info(
                    "Redis Cluster: topology changed; primaries serving slots now: {}{}",
                    List.copyOf(new TreeSet<>(after.keySet())),
                    served >= SlotHash.SLOT_COUNT
                            ? ""
                            : "; " + (SlotHash.SLOT_COUNT - served) + " slot(s) without a primary (a primary the "
                                    + "cluster marked failed left the client's view): their streams wait for the "
                                    + "cluster to promote a replica");
        }
    }

    /** The slots of each primary that serves any. */
    private static Map<String, Set<Integer>> slotsByPrimary(List<RedisClusterNode> nodes) {
        Map<String, Set<Integer>> slots = new HashMap<>();
        for (RedisClusterNode n : nodes) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM) && !n.getSlots().isEmpty()) {
                slots.put(address(n), new HashSet<>(n.getSlots()));
            }
        }
        return slots;
    }

    /** The node serving the key's slot now, with what is being followed. */
    Optional<StreamNode> nodeOf(String key) {
        int slot = SlotHash.getSlot(key.getBytes(StandardCharsets.UTF_8));
        Partitions partitions = now.get();
        RedisClusterNode owner = partitions == null ? null : partitions.getMasterBySlot(slot);
        if (owner == null) {
            return Optional.of(
                    new StreamNode("?", "?", "no primary serves slot " + slot + " now: following a failover"));
        }
        String address = address(owner);
        boolean failing = owner.is(RedisClusterNode.NodeFlag.FAIL) || owner.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL);
        String role =
                (owner.is(RedisClusterNode.NodeFlag.UPSTREAM) ? "master" : "replica") + (failing ? ", failing" : "");
        String following = failing ? "the cluster cannot reach it: following a failover" : "";
        if (following.isEmpty()) {
            following = followed(slot, address);
        }
        return Optional.of(new StreamNode(address, role, following));
    }

    /**
     * What the slot's owner {@code owner} followed: the newest change that gave it the slot, if
     * within {@link StreamNode#RECENT}, timed from that change. Earlier changes do not count, even
     * if the slot had another owner before them: another slot's move, or this slot's earlier
     * failover, must not age the row. Empty when the owner did not change lately.
     */
    private String followed(int slot, String owner) {
        Instant now = clock.instant();
        Instant took = null;
        for (Iterator<Change> newestFirst = recent.descendingIterator(); newestFirst.hasNext(); ) {
            Change change = newestFirst.next();
            String before = ownerOf(change.before(), slot);
            if (took == null) {
                if (!owner.equals(ownerOf(change.after(), slot)) || owner.equals(before)) {
                    continue;
                }
                took = change.at();
                if (Duration.between(took, now).compareTo(StreamNode.RECENT) >= 0) {
                    return "";
                }
            }
            // A failover can leave the slot without an owner for a change or two: the former owner
            // is then the last one before that gap (none to name if it was this node itself).
            if (before != null) {
                return followedSince(took, now) + (before.equals(owner) ? "" : " (was on " + before + ")");
            }
        }
        return took == null ? "" : followedSince(took, now);
    }

    private static String followedSince(Instant took, Instant now) {
        return "followed a failover or a moved slot "
                + Duration.between(took, now).toSeconds() + " s ago";
    }

    /** {@code host:port} of the primary serving the slot in that topology, or null if none does. */
    private static String ownerOf(Partitions partitions, int slot) {
        RedisClusterNode owner = partitions.getMasterBySlot(slot);
        return owner == null ? null : address(owner);
    }

    private static Partitions partitions(List<RedisClusterNode> nodes) {
        Partitions partitions = new Partitions();
        partitions.addAll(nodes);
        partitions.updateCache();
        return partitions;
    }

    private static String address(RedisClusterNode node) {
        return HostPort.of(node.getUri().getHost(), node.getUri().getPort());
    }
}
