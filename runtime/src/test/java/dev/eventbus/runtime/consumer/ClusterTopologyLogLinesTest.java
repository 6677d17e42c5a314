package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Which topology changes are logged. Found from outside: each change was logged twice (by the
 * readers' and the admin side's client), and a replica that rejoined was logged as a change with
 * the same primaries as before.
 */
class ClusterTopologyLogLinesTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(ClusterTopologyLog.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void listen() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(lines);
    }

    private static RedisClusterNode node(int port, int fromSlot, int toSlot, NodeFlag... flags) {
        List<Integer> slots = IntStream.range(fromSlot, toSlot).boxed().toList();
        return new RedisClusterNode(
                RedisURI.create("redis://127.0.0.1:" + port), "id-" + port, true, null, 0, 0, 0, slots, Set.of(flags));
    }

    private static final List<RedisClusterNode> BEFORE =
            List.of(node(7000, 0, 8192, NodeFlag.UPSTREAM), node(7001, 8192, 16384, NodeFlag.UPSTREAM));

    private static void change(ClusterTopologyLog log, List<RedisClusterNode> after) {
        log.changed(new ClusterTopologyChangedEvent(BEFORE, after));
    }

    @Test
    void aFailoverAndAMovedSlotAreLoggedOnce() {
        ClusterTopologyLog readers = new ClusterTopologyLog(() -> null, Clock.systemUTC(), true);
        ClusterTopologyLog admin = new ClusterTopologyLog(() -> null, Clock.systemUTC(), false);
        List<RedisClusterNode> failedOver =
                List.of(node(7002, 0, 8192, NodeFlag.UPSTREAM), node(7001, 8192, 16384, NodeFlag.UPSTREAM));
        change(readers, failedOver);
        change(admin, failedOver);
        assertEquals(1, lines.list.size(), lines.list.toString());
        assertEquals(
                "Redis Cluster: topology changed: 8192 slot(s) moved from 127.0.0.1:7000 to 127.0.0.1:7002; "
                        + "primaries serving slots now: [127.0.0.1:7001 (8192 slots), 127.0.0.1:7002 (8192 slots)]",
                lines.list.get(0).getFormattedMessage());

        // One slot moved between the same two primaries: logged too.
        change(readers, List.of(node(7000, 0, 8191, NodeFlag.UPSTREAM), node(7001, 8191, 16384, NodeFlag.UPSTREAM)));
        assertEquals(2, lines.list.size(), lines.list.toString());
    }

    /**
     * A primary the cluster marks failed leaves the client's view before its replica is promoted
     * ({@link ClusterConnectionOpener#inView}): the line says its slots have no primary for now.
     */
    @Test
    void slotsWithoutAPrimaryAreSaid() {
        ClusterTopologyLog readers = new ClusterTopologyLog(() -> null, Clock.systemUTC(), true);
        change(readers, List.of(node(7001, 8192, 16384, NodeFlag.UPSTREAM)));
        assertEquals(
                "Redis Cluster: topology changed: 8192 slot(s) of 127.0.0.1:7000 left without a primary; primaries "
                        + "serving slots now: [127.0.0.1:7001 (8192 slots)]; 8192 slot(s) without a primary (a primary the cluster marked failed left the client's view): their "
                        + "streams wait for the cluster to promote a replica",
                lines.list.get(0).getFormattedMessage());
    }

    /**
     * The promotion that follows, in the next line: where the slots went. From outside a kill -9
     * gave these two lines where the README said one.
     */
    @Test
    void slotsWithoutAPrimaryServedAgainSayByWhom() {
        ClusterTopologyLog readers = new ClusterTopologyLog(() -> null, Clock.systemUTC(), true);
        List<RedisClusterNode> failed = List.of(node(7001, 8192, 16384, NodeFlag.UPSTREAM));
        readers.changed(new ClusterTopologyChangedEvent(
                failed, List.of(node(7002, 0, 8192, NodeFlag.UPSTREAM), node(7001, 8192, 16384, NodeFlag.UPSTREAM))));
        assertEquals(
                "Redis Cluster: topology changed: 8192 slot(s) without a primary now served by 127.0.0.1:7002; "
                        + "primaries serving slots now: [127.0.0.1:7001 (8192 slots), 127.0.0.1:7002 (8192 slots)]",
                lines.list.get(0).getFormattedMessage());
    }

    /**
     * From outside, a reshard ({@code redis-cli --cluster reshard}) seen in two steps gave two lines
     * that both said only "primaries serving slots now: [17100, 17102, 17104]": the same words, and
     * not what moved.
     */
    @Test
    void aReshardSeenInStepsSaysWhatMovedEachTime() {
        ClusterTopologyLog readers = new ClusterTopologyLog(() -> null, Clock.systemUTC(), true);
        List<RedisClusterNode> halfway =
                List.of(node(7000, 0, 9192, NodeFlag.UPSTREAM), node(7001, 9192, 16384, NodeFlag.UPSTREAM));
        change(readers, halfway);
        readers.changed(new ClusterTopologyChangedEvent(
                halfway,
                List.of(node(7000, 0, 11192, NodeFlag.UPSTREAM), node(7001, 11192, 16384, NodeFlag.UPSTREAM))));
        assertEquals(
                List.of(
                        "Redis Cluster: topology changed: 1000 slot(s) moved from 127.0.0.1:7001 to 127.0.0.1:7000; "
                                + "primaries serving slots now: [127.0.0.1:7000 (9192 slots), 127.0.0.1:7001 (7192 slots)]",
                        "Redis Cluster: topology changed: 2000 slot(s) moved from 127.0.0.1:7001 to 127.0.0.1:7000; "
                                + "primaries serving slots now: [127.0.0.1:7000 (11192 slots), 127.0.0.1:7001 (5192 slots)]"),
                lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
    }

    @Test
    void aReplicaThatRejoinsIsNotLogged() {
        ClusterTopologyLog readers = new ClusterTopologyLog(() -> null, Clock.systemUTC(), true);
        List<RedisClusterNode> rejoined = List.of(
                node(7000, 0, 8192, NodeFlag.UPSTREAM),
                node(7001, 8192, 16384, NodeFlag.UPSTREAM),
                node(7003, 0, 0, NodeFlag.REPLICA));
        change(readers, rejoined);
        assertEquals(List.of(), lines.list);
    }
}
