package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which node a key lives on, and a failover or moved slot followed within the last minute. */
class ClusterTopologyLogTest {

    private static final int SLOT = SlotHash.getSlot("orders".getBytes(StandardCharsets.UTF_8));

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final AtomicReference<Partitions> partitions = new AtomicReference<>();
    private final ClusterTopologyLog log = new ClusterTopologyLog(partitions::get, new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    private static RedisClusterNode node(int port, boolean servesAll, NodeFlag... flags) {
        List<Integer> slots = servesAll ? IntStream.range(0, 16384).boxed().toList() : List.of();
        return new RedisClusterNode(
                RedisURI.create("redis://127.0.0.1:" + port), "id-" + port, true, null, 0, 0, 0, slots, Set.of(flags));
    }

    private static Partitions of(RedisClusterNode... nodes) {
        Partitions p = new Partitions();
        p.addAll(List.of(nodes));
        p.updateCache();
        return p;
    }

    @Test
    void namesThePrimaryOfTheSlot() {
        partitions.set(of(node(7000, true, NodeFlag.UPSTREAM), node(7001, false, NodeFlag.REPLICA)));
        assertEquals(
                new StreamNode("127.0.0.1:7000", "master", ""),
                log.nodeOf("orders").orElseThrow());
    }

    @Test
    void aFailingPrimaryIsSaidToBeFollowed() {
        partitions.set(of(node(7000, true, NodeFlag.UPSTREAM, NodeFlag.FAIL)));
        StreamNode node = log.nodeOf("orders").orElseThrow();
        assertEquals(
                "127.0.0.1:7000 (master, failing); the cluster cannot reach it: following a failover", node.describe());
    }

    @Test
    void aNewOwnerIsReportedForAMinuteWithTheFormerOne() {
        List<RedisClusterNode> before = List.of(node(7000, true, NodeFlag.UPSTREAM), node(7001, false));
        List<RedisClusterNode> failing =
                List.of(node(7000, true, NodeFlag.UPSTREAM, NodeFlag.FAIL), node(7001, false, NodeFlag.REPLICA));
        List<RedisClusterNode> promoted =
                List.of(node(7000, false, NodeFlag.UPSTREAM, NodeFlag.FAIL), node(7001, true, NodeFlag.UPSTREAM));
        List<RedisClusterNode> forgotten = List.of(node(7001, true, NodeFlag.UPSTREAM));
        // A failover is several changes: the old primary failing, the replica promoted, the old one gone.
        log.changed(new ClusterTopologyChangedEvent(before, failing));
        now = now.plusSeconds(2);
        log.changed(new ClusterTopologyChangedEvent(failing, promoted));
        now = now.plusSeconds(2);
        log.changed(new ClusterTopologyChangedEvent(promoted, forgotten));
        partitions.set(of(forgotten.toArray(RedisClusterNode[]::new)));
        now = now.plusSeconds(1);
        // Timed from the promotion, when the slot's owner changed, not from the first failing flag.
        assertEquals(
                "127.0.0.1:7001 (master); followed a failover or a moved slot 3 s ago (was on 127.0.0.1:7000)",
                log.nodeOf("orders").orElseThrow().describe());
        now = now.plus(Duration.ofSeconds(60));
        assertEquals(
                "127.0.0.1:7001 (master)", log.nodeOf("orders").orElseThrow().describe());
    }

    @Test
    void aMovedSlotIsTimedFromItsMoveNotFromAnEarlierChangeOfTheTopology() {
        List<RedisClusterNode> before = List.of(node(7000, true, NodeFlag.UPSTREAM));
        List<RedisClusterNode> replicaAdded = List.of(node(7000, true, NodeFlag.UPSTREAM), node(7002, false));
        List<RedisClusterNode> moved =
                List.of(node(7000, false, NodeFlag.UPSTREAM), node(7001, true, NodeFlag.UPSTREAM));
        // A change that left the slot where it was, then the move 10 s later.
        log.changed(new ClusterTopologyChangedEvent(before, replicaAdded));
        now = now.plusSeconds(10);
        log.changed(new ClusterTopologyChangedEvent(replicaAdded, moved));
        partitions.set(of(moved.toArray(RedisClusterNode[]::new)));
        assertEquals(
                "127.0.0.1:7001 (master); followed a failover or a moved slot 0 s ago (was on 127.0.0.1:7000)",
                log.nodeOf("orders").orElseThrow().describe());
    }

    @Test
    void aSecondFailoverIsTimedFromItselfAndNamesTheNodeItLeft() {
        List<RedisClusterNode> onFirst = List.of(node(7000, true, NodeFlag.UPSTREAM), node(7001, false));
        List<RedisClusterNode> onSecond = List.of(node(7000, false), node(7001, true, NodeFlag.UPSTREAM));
        List<RedisClusterNode> onThird =
                List.of(node(7000, false), node(7001, false), node(7002, true, NodeFlag.UPSTREAM));
        log.changed(new ClusterTopologyChangedEvent(onFirst, onSecond));
        now = now.plusSeconds(20);
        log.changed(new ClusterTopologyChangedEvent(onSecond, onThird));
        partitions.set(of(onThird.toArray(RedisClusterNode[]::new)));
        now = now.plusSeconds(20);
        assertEquals(
                "127.0.0.1:7002 (master); followed a failover or a moved slot 20 s ago (was on 127.0.0.1:7001)",
                log.nodeOf("orders").orElseThrow().describe());
        // Once the first failover is a minute old, the second one still reads as it did, 20 s older.
        now = now.plusSeconds(21);
        assertEquals(
                "127.0.0.1:7002 (master); followed a failover or a moved slot 41 s ago (was on 127.0.0.1:7001)",
                log.nodeOf("orders").orElseThrow().describe());
    }

    @Test
    void aSlotLeftWithoutOwnerForAWhileNamesTheOwnerBeforeTheGap() {
        List<RedisClusterNode> before = List.of(node(7000, true, NodeFlag.UPSTREAM), node(7001, false));
        List<RedisClusterNode> none = List.of(node(7001, false));
        List<RedisClusterNode> promoted = List.of(node(7001, true, NodeFlag.UPSTREAM));
        log.changed(new ClusterTopologyChangedEvent(before, none));
        now = now.plusSeconds(3);
        log.changed(new ClusterTopologyChangedEvent(none, promoted));
        partitions.set(of(promoted.toArray(RedisClusterNode[]::new)));
        now = now.plusSeconds(2);
        assertEquals(
                "127.0.0.1:7001 (master); followed a failover or a moved slot 2 s ago (was on 127.0.0.1:7000)",
                log.nodeOf("orders").orElseThrow().describe());
    }

    @Test
    void noOwnerIsAFailoverToo() {
        partitions.set(of(node(7000, false, NodeFlag.UPSTREAM)));
        assertEquals(
                "? (?); no primary serves slot " + SLOT + " now: following a failover",
                log.nodeOf("orders").orElseThrow().describe());
    }
}
