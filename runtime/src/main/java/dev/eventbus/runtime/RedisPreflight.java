package dev.eventbus.runtime;

import dev.eventbus.runtime.internal.Errors;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up checks of the Redis server that warn about settings that lose events: an evicting
 * {@code maxmemory-policy} can evict a stream with its groups, and Redis before 6.2 lacks commands
 * the runtime needs.
 */
final class RedisPreflight {

    private static final Logger LOG = LoggerFactory.getLogger(RedisPreflight.class);

    private RedisPreflight() {}

    static void check(RedisClusterCommands<byte[], byte[]> redis) {
        // INFO, not CONFIG GET: the runtime's ACL user may read server facts but not the
        // configuration, which holds passwords (README, Security).
        String policy;
        try {
            policy = field(redis.info("memory"), "maxmemory_policy");
        } catch (RuntimeException e) {
            LOG.warn(
                    "could not read Redis maxmemory-policy (INFO memory: {}); make sure it is noeviction",
                    Errors.describe(e));
            return;
        }
        if (policy == null) {
            LOG.warn("Redis INFO memory shows no maxmemory_policy; make sure it is noeviction");
        } else if (!"noeviction".equals(policy)) {
            LOG.warn(
                    "Redis maxmemory-policy is '{}': under memory pressure Redis may evict streams and "
                            + "their consumer groups, losing events. Set maxmemory-policy noeviction.",
                    policy);
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
