package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.redis.RespClient;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.ops.OpsHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Operator commands on a cluster one of whose primaries is gone, with no replica to promote: the
 * keys of its slots cannot be read, so a list of streams (what {@code status} and {@code dlq}
 * read) is refused with the reason, never given in part. Found from outside: right after the kill
 * {@code dlq list} failed with Lettuce's bare "Unable to connect", and once the cluster had marked
 * the node failed (with {@code cluster-require-full-coverage no}, so the other primaries still
 * answer) {@code status} left out the node's stream and {@code dlq list} counted half a handler's
 * dead letters, both exiting 0.
 */
class ClusterPartialReadIT {

    private static final String DEAD_LETTERS = "eventbus:dlq:{%s}:mark-order-paid";

    @Test
    void aListOfKeysMissingAPrimaryIsRefusedNamingWhy() throws Exception {
        RedisCluster.Options options = new RedisCluster.Options(3, 0, Duration.ofSeconds(1), List.of())
                .withNodeArgs("--cluster-require-full-coverage", "no");
        try (RedisCluster cluster = RedisCluster.start(options)) {
            // A stream and a dead letter on each primary.
            List<String> tags = tagsOnEachPrimary(cluster);
            for (String tag : tags) {
                RedisServer node = cluster.primaryOf("{" + tag + "}");
                try (RespClient resp = RespClient.connect("127.0.0.1", node.port())) {
                    resp.call("XADD", "{" + tag + "}orders", "*", "type", "t");
                    resp.call("XADD", DEAD_LETTERS.formatted(tag), "*", "reason", "decode");
                }
            }
            String uri = "redis-cluster://"
                    + cluster.seedUris().stream()
                            .map(u -> u.substring("redis://".length()))
                            .collect(Collectors.joining(","));
            RedisSettings settings = ConfigLoader.load(
                            Optional.empty(), ConfigFactory.parseMap(Map.of("eventbus.redis.uri", uri)))
                    .redis();
            try (FailFastRedis ops = new FailFastRedis(settings)) {
                assertEquals(6, ops.streams(null).size(), "all read while every primary answers");
            }
            OpsHarness.Cli whole = dlqList(uri);
            assertEquals(0, whole.exit(), whole.toString());
            assertTrue(whole.out().contains("holds 3"), whole.toString());

            String lostTag = tags.get(2);
            RedisServer dead = cluster.primaryOf("{" + lostTag + "}");
            dead.kill();

            // Right after the kill: the node is still in the cluster's view, and does not answer.
            try (FailFastRedis ops = new FailFastRedis(settings)) {
                OpsException e = assertThrows(OpsException.class, () -> ops.streams(null));
                assertTrue(
                        e.getMessage()
                                        .contains("cannot read the keys of the cluster's primary 127.0.0.1:"
                                                + dead.port())
                                || e.getMessage().contains("hash slots have no primary"),
                        e.getMessage());
            }

            // Once every live node has marked it failed: its slots have no primary; the others answer.
            Streams.await("the live primaries to mark the dead one failed", Duration.ofSeconds(30), () -> {
                for (String tag : tags.subList(0, 2)) {
                    try (RespClient resp = RespClient.connect(
                            "127.0.0.1", cluster.primaryOf("{" + tag + "}").port())) {
                        boolean failed = String.valueOf(resp.call("CLUSTER", "NODES"))
                                .lines()
                                .anyMatch(l -> l.contains(":" + dead.port() + "@")
                                        && l.contains("fail")
                                        && !l.contains("fail?"));
                        if (!failed) {
                            return false;
                        }
                    }
                }
                return true;
            });
            try (FailFastRedis ops = new FailFastRedis(settings)) {
                OpsException e = assertThrows(OpsException.class, () -> ops.streams(null));
                assertTrue(e.getMessage().matches("546[12] of 16384 hash slots have no primary .*"), e.getMessage());
            }
            OpsHarness.Cli status = OpsHarness.cliRaw("status", "--redis", uri, "--admin", "127.0.0.1:1");
            assertNotEquals(0, status.exit(), status.toString());
            assertTrue(refusedCountingSlots(status.err()), status.toString());
            OpsHarness.Cli partial = dlqList(uri);
            assertNotEquals(0, partial.exit(), partial.toString());
            assertTrue(refusedCountingSlots(partial.err()), partial.toString());
            assertTrue(!partial.out().contains("holds"), "no total of a part: " + partial);
        }
    }

    private static boolean refusedCountingSlots(String err) {
        return err.contains("hash slots have no primary in the cluster's view now");
    }

    private static OpsHarness.Cli dlqList(String uri) {
        return OpsHarness.cliRaw("dlq", "list", "--handler", "mark-order-paid", "--redis", uri);
    }

    /** Three hash tags, each in a slot of another primary. */
    private static List<String> tagsOnEachPrimary(RedisCluster cluster) {
        java.util.Map<Integer, String> byPort = new java.util.TreeMap<>();
        for (int i = 0; byPort.size() < 3 && i < 1000; i++) {
            byPort.putIfAbsent(cluster.primaryOf("{t" + i + "}").port(), "t" + i);
        }
        assertEquals(3, Set.copyOf(byPort.values()).size(), byPort.toString());
        return List.copyOf(byPort.values());
    }
}
