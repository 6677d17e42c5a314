package dev.eventbus.runtime;

import dev.eventbus.runtime.consumer.RedisConnection;
import dev.eventbus.runtime.consumer.SentinelAnswers;
import dev.eventbus.runtime.internal.Errors;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up checks of the Redis servers that warn about what loses events or fails later: an
 * evicting {@code maxmemory-policy} can evict a stream with its groups, and Redis before 6.2 lacks
 * commands the runtime needs. On a cluster every primary that serves slots is checked, and each
 * warning names its node: a primary that cannot be reached or refuses the user (an ACL user made
 * on some nodes only) is found here, not at its streams' first command.
 */
final class RedisPreflight {

    private static final Logger LOG = LoggerFactory.getLogger(RedisPreflight.class);

    private RedisPreflight() {}

    /**
     * How long start-up waits for the primaries' checks: a frozen primary would hold it for the
     * command timeout (10 s by default) when only warnings depend on the answer.
     */
    static final Duration WAIT = Duration.ofSeconds(1);

    static void check(RedisConnection<byte[], byte[]> redis) {
        List<String> primaries = redis.primaryAddresses();
        if (primaries.isEmpty()) {
            if (!(redis.connection() instanceof StatefulRedisClusterConnection)) {
                // Not a cluster URI whose view has no primary yet (a cluster being set up).
                checkNotAClusterNode(redis.sync());
            }
            check("", redis.sync());
            return;
        }
        // Side by side, and start-up goes on after WAIT: a check still waiting for its node logs
        // what it finds when the node answers (or its command times out).
        List<Thread> checks = new ArrayList<>();
        for (String address : primaries) {
            checks.add(
                    Thread.ofVirtual().name("eventbus-preflight-" + address).start(() -> checkPrimary(redis, address)));
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            for (Thread t : checks) {
                t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // start-up is being stopped: the checks only warn
        }
        long late = checks.stream().filter(Thread::isAlive).count();
        if (late > 0) {
            LOG.info(
                    "{} Redis primar{} did not answer the start-up check within {} ms; start-up goes on, "
                            + "the check logs what it finds once they answer",
                    late,
                    late == 1 ? "y" : "ies",
                    WAIT.toMillis());
        }
    }

    private static void checkPrimary(RedisConnection<byte[], byte[]> redis, String address) {
        String node = "Redis primary " + address + ": ";
        RedisClusterCommands<byte[], byte[]> primary;
        try {
            primary = redis.primary(address);
        } catch (RuntimeException e) {
            LOG.warn(
                    "{}cannot connect ({}); its streams wait until it answers, or until the cluster "
                            + "promotes its replica",
                    node,
                    Errors.describe(e));
            return;
        }
        check(node, primary);
    }

    /** @param node who is checked, as a prefix of each warning; empty for one node */
    private static void check(String node, RedisClusterCommands<byte[], byte[]> redis) {
        // INFO, not CONFIG GET: the runtime's ACL user may read server facts but not the
        // configuration, which holds passwords (README, Security).
        String policy;
        String version;
        try {
            policy = field(redis.info("memory"), "maxmemory_policy");
            version = field(redis.info("server"), "redis_version");
        } catch (RuntimeException e) {
            LOG.warn(
                    "{}could not read Redis maxmemory-policy (INFO memory: {}); make sure it is noeviction",
                    node,
                    Errors.describe(e));
            return;
        }
        if (policy == null) {
            LOG.warn("{}Redis INFO memory shows no maxmemory_policy; make sure it is noeviction", node);
        } else if (!"noeviction".equals(policy)) {
            LOG.warn(
                    "{}Redis maxmemory-policy is '{}': under memory pressure Redis may evict streams and "
                            + "their consumer groups, losing events. Set maxmemory-policy noeviction.",
                    node,
                    policy);
        }
        if (version != null && olderThan(version, 6, 2)) {
            LOG.warn(
                    "{}Redis {} is older than 6.2: commands the runtime needs (XAUTOCLAIM) are missing", node, version);
        }
    }

    /**
     * With a sentinel URI, names the sentinels that do not answer, and why, once they are all
     * asked (start-up goes on meanwhile). Lettuce's own lines said it once per connection made (4 at
     * every start with one of three down, found from outside) and are not logged.
     *
     * @param masterName the master the sentinels are asked about
     */
    static void checkSentinels(SentinelAnswers sentinels, String masterName) {
        sentinels.ask().thenAccept(round -> {
            if (!round.silent().isEmpty()) {
                LOG.warn(
                        "Redis, the sentinels of '{}' asked at start-up: {}; {}",
                        masterName,
                        round.text(),
                        round.noneAnswers()
                                ? "the connections stay on the primary they named, and a connection lost now "
                                        + "cannot be made again"
                                : "connections ask the others");
            }
        });
    }

    /**
     * A {@code redis://} URI at a Redis Cluster node reaches that node alone: every command on a key
     * of another node's slots fails with MOVED, and scripts with CROSSSLOT, retried for ever. Said
     * once here, in the words that mend it.
     */
    private static void checkNotAClusterNode(RedisClusterCommands<byte[], byte[]> redis) {
        String enabled;
        try {
            enabled = field(redis.info("cluster"), "cluster_enabled");
        } catch (RuntimeException e) {
            return; // the checks below report a Redis that does not answer INFO
        }
        if ("1".equals(enabled)) {
            LOG.error("Redis is a Redis Cluster node (INFO cluster: cluster_enabled:1), but eventbus.redis.uri is a "
                    + "one-node URI: commands on keys of other nodes' slots fail with MOVED. Name the cluster's "
                    + "nodes in a redis-cluster:// URI (README, Redis Cluster and Sentinel)");
        }
    }

    /** Whether a {@code major.minor.patch} version is older than {@code major.minor}; unknown forms are not. */
    static boolean olderThan(String version, int major, int minor) {
        String[] parts = version.split("\\.");
        try {
            int ma = Integer.parseInt(parts[0]);
            int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return ma < major || ma == major && mi < minor;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** One {@code name:value} line of an INFO reply, or {@code null}. */
    static String field(String info, String name) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }
}
