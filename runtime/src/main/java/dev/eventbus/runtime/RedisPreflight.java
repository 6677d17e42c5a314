package dev.eventbus.runtime;

import dev.eventbus.runtime.internal.Errors;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.Map;
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
        try {
            Map<String, String> policy = redis.configGet("maxmemory-policy");
            for (String value : policy.values()) {
                if (!"noeviction".equals(value)) {
                    LOG.warn("Redis maxmemory-policy is '{}': under memory pressure Redis may evict streams and "
                            + "their consumer groups, losing events. Set maxmemory-policy noeviction.", value);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("could not read Redis maxmemory-policy (CONFIG GET not allowed?): {}; make sure it is "
                    + "noeviction", Errors.rootMessage(e));
        }
    }
}
