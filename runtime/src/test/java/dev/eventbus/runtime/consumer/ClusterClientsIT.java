package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.redis.RespClient;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.ops.FailFastRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The clients of one runtime on a real Redis Cluster (3 primaries, 3 replicas): a new topology one
 * of them sees reaches the others at once, a user who may not read the topology is told so, and
 * the operator tools list a key once when two primaries hold it.
 */
class ClusterClientsIT {

    private static final String KEY = "clients-it";
    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static RedisSettings settings(String userInfo) {
        return ClusterTestSettings.of(cluster, userInfo);
    }

    private static Object call(RedisServer node, String... command) {
        try (RespClient resp = RespClient.connect("127.0.0.1", node.port())) {
            return resp.call(command);
        }
    }

    /**
     * Found from outside: after a failover the readers' client found the promoted primary seconds
     * after the admin side's client had. A manual failover drops no connection, so neither client
     * refreshes on its own before its periodic refresh (10 s); the first client's MOVED makes it
     * refresh, and the second must follow within moments.
     */
    /*
     * The first client is the admin side's (no reader reads through it), the second the readers':
     * found from outside, readers woken by the admin client's new topology read through their own
     * client's old view, sent a read to the frozen node it left and waited out its timeout. Only
     * the readers' client's new topology wakes them, once that client has it.
     */
    @Test
    void aNewTopologyOneClientSeesReachesTheOtherAtOnce() throws Exception {
        TopologyChanges changes = new TopologyChanges();
        try (ClusterConnectionOpener first = new ClusterConnectionOpener(settings(""), changes, false);
                ClusterConnectionOpener second = new ClusterConnectionOpener(settings(""), changes, true);
                RedisConnection<String, String> firstConnection = first.open(io.lettuce.core.codec.StringCodec.UTF8);
                RedisConnection<String, String> secondConnection =
                        second.open(io.lettuce.core.codec.StringCodec.UTF8)) {
            firstConnection.sync().set(KEY, "v");
            secondConnection.sync().get(KEY);
            RedisServer primary = cluster.primaryOf(KEY);
            RedisServer replica = cluster.nodes().stream()
                    .filter(n -> call(n, "ROLE") instanceof List<?> role
                            && role.get(0).equals("slave")
                            && ((Number) role.get(2)).intValue() == primary.port())
                    .findFirst()
                    .orElseThrow();
            assertTrue(on(second, primary), "the second client starts on the old primary");

            assertEquals("OK", call(replica, "CLUSTER", "FAILOVER"));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> cluster.primaryOf(KEY).port() == replica.port());
            long seenTopologies = changes.topologies();
            CompletableFuture<Boolean> readersSawIt = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    changes.awaitNewTopology(seenTopologies, Duration.ofSeconds(60));
                    readersSawIt.complete(on(second, replica)); // at the moment the readers are woken
                } catch (Throwable t) {
                    readersSawIt.completeExceptionally(t);
                }
            });
            long before = System.nanoTime();
            // MOVED from the old primary: the first client refreshes (adaptive trigger).
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .ignoreExceptions()
                    .until(() -> "v".equals(firstConnection.sync().get(KEY)) && on(first, replica));
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> on(second, replica));
            long tookMillis = (System.nanoTime() - before) / 1_000_000;
            assertTrue(tookMillis < 5000, "the second client followed in " + tookMillis + " ms");
            assertTrue(
                    readersSawIt.get(30, TimeUnit.SECONDS),
                    "the readers were woken by a new topology their own client did not have yet");
        }
    }

    /** Whether the client's view has the key on {@code node}. */
    private static boolean on(ConnectionOpener client, RedisServer node) {
        return client.nodeOf(KEY)
                .map(StreamNode::address)
                .filter(a -> a.endsWith(":" + node.port()))
                .isPresent();
    }

    /**
     * Found from outside: a user without {@code +cluster|nodes} was reported as an unreachable
     * Redis; the README promises a refused command is reported as a missing permission.
     */
    @Test
    void aUserWhoMayNotReadTheTopologyIsToldWhichRuleToAdd() {
        for (RedisServer node : cluster.nodes()) {
            call(node, "ACL", "SETUSER", "nocl", "reset", "on", ">nocl-pw", "~*", "+@all", "-cluster|nodes");
        }
        try (FailFastRedis redis = new FailFastRedis(settings("nocl:nocl-pw@"))) {
            String why = redis.unanswered(Duration.ofSeconds(3));
            assertTrue(why.contains("may not run 'cluster|nodes'") && why.contains("add +cluster|nodes"), why);
        }
    }

    /**
     * Found from outside: a primary restarted from another node's dump kept a dead-letter stream
     * of a slot it does not serve, SCAN on every primary listed the key twice, and {@code dlq list}
     * showed, counted and redrove one dead letter twice. (A slot being moved holds keys on two
     * primaries too.) Here the stray copy is written as an importing node takes a key: ASKING.
     */
    @Test
    void aKeyTwoPrimariesHoldIsListedOnce() {
        String key = "eventbus:dlq:{stray}:h";
        RedisServer owner = cluster.primaryOf(key);
        RedisServer other = cluster.primaries().stream()
                .filter(p -> p.port() != owner.port())
                .findFirst()
                .orElseThrow();
        String slot = Integer.toString(cluster.slot(key));
        call(owner, "XADD", key, "*", "reason", "decode");
        String ownerId = call(owner, "CLUSTER", "MYID").toString();
        call(other, "CLUSTER", "SETSLOT", slot, "IMPORTING", ownerId);
        try (RespClient resp = RespClient.connect("127.0.0.1", other.port())) {
            resp.call("ASKING");
            resp.call("XADD", key, "*", "reason", "decode");
        } finally {
            call(other, "CLUSTER", "SETSLOT", slot, "STABLE");
        }
        assertEquals(1L, call(other, "CLUSTER", "COUNTKEYSINSLOT", slot), "the stray copy is on the other primary");

        try (FailFastRedis redis = new FailFastRedis(settings(""))) {
            assertEquals(List.of(key), redis.streams("eventbus:dlq:{stray}*"));
        }
    }
}
