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
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
        if (logs) {
            String line = line(event.before(), event.after());
            if (line != null) {
                LOG.info(line);
            }
        }
    }

    /** At most this many moves are named in a line; the rest are counted. */
    private static final int MOVES_NAMED = 4;

    /**
     * The log line of a change, saying what moved: {@code Redis Cluster: topology changed: 3000
     * slot(s) moved from 10.0.0.9:7000 to 10.0.0.7:7000; primaries serving slots now: [10.0.0.7:7000
     * (8461 slots), ...]}; null when no slot changed its primary. From outside, the lines of a
     * reshard said only the primaries, so that two in a row read the same, and neither said what
     * moved.
     */
    static String line(List<RedisClusterNode> before, List<RedisClusterNode> after) {
        String[] was = owners(before);
        String[] is = owners(after);
        // (from, to) -> slots; "" for no primary
        Map<List<String>, Integer> moves = new HashMap<>();
        int unserved = 0;
        for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++) {
            String from = was[slot] == null ? "" : was[slot];
            String to = is[slot] == null ? "" : is[slot];
            if (to.isEmpty()) {
                unserved++;
            }
            if (!from.equals(to)) {
                moves.merge(List.of(from, to), 1, Integer::sum);
            }
        }
        if (moves.isEmpty()) {
            return null;
        }
        List<String> named = moves.entrySet().stream()
                .sorted(Map.Entry.<List<String>, Integer>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(e -> String.join(" ", e.getKey())))
                .map(e -> move(e.getKey().get(0), e.getKey().get(1), e.getValue()))
                .toList();
        String said = String.join(", ", named.subList(0, Math.min(MOVES_NAMED, named.size())))
                + (named.size() > MOVES_NAMED ? " and " + (named.size() - MOVES_NAMED) + " other move(s)" : "");
        Map<String, Integer> served = new TreeMap<>();
        for (String owner : is) {
            if (owner != null) {
                served.merge(owner, 1, Integer::sum);
            }
        }
        List<String> primaries = served.entrySet().stream()
                .map(e -> e.getKey() + " (" + e.getValue() + " slots)")
                .toList();
        return "Redis Cluster: topology changed: " + said + "; primaries serving slots now: " + primaries
                + (unserved == 0
                        ? ""
                        : "; " + unserved + " slot(s) without a primary (a primary the cluster marked failed left "
                                + "the client's view): their streams wait for the cluster to promote a replica");
    }

    private static String move(String from, String to, int slots) {
        if (from.isEmpty()) {
            return slots + " slot(s) without a primary now served by " + to;
        }
        if (to.isEmpty()) {
            return slots + " slot(s) of " + from + " left without a primary";
        }
        return slots + " slot(s) moved from " + from + " to " + to;
    }

    /** The {@code host:port} of each slot's primary in that view, null where none serves it. */
    private static String[] owners(List<RedisClusterNode> nodes) {
        String[] owners = new String[SlotHash.SLOT_COUNT];
        for (RedisClusterNode n : nodes) {
            if (n.is(RedisClusterNode.NodeFlag.UPSTREAM)) {
                String address = address(n);
                for (int slot : n.getSlots()) {
                    owners[slot] = address;
                }
            }
        }
        return owners;
    }

    /** The node serving the key's slot now, with what is being followed. */
    Optional<StreamNode> nodeOf(String key) {
        int slot = SlotHash.getSlot(key.getBytes(StandardCharsets.UTF_8));
        Partitions partitions = now.get();
        RedisClusterNode owner = partitions == null ? null : partitions.getMasterBySlot(slot);
        if (owner == null) {
            return Optional.of(StreamNode.unserved("no primary serves slot " + slot + " now: following a failover"));
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
