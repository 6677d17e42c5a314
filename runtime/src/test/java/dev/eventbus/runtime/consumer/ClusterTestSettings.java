package dev.eventbus.runtime.consumer;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.runtime.config.RedisReconnect;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RedisTls;
import java.time.Duration;

/** The Redis settings of a client on a test's local cluster, its seeds in one redis-cluster:// URI. */
final class ClusterTestSettings {

    private ClusterTestSettings() {}

    /** @param userInfo {@code user:password@}, or empty */
    static RedisSettings of(RedisCluster cluster, String userInfo) {
        String seeds = String.join(
                ",",
                cluster.seedUris().stream()
                        .map(u -> u.substring("redis://".length()))
                        .toList());
        return new RedisSettings(
                "redis-cluster://" + userInfo + seeds,
                Duration.ofSeconds(3),
                1000,
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                "",
                RedisTls.NONE,
                RedisReconnect.DEFAULT);
    }
}
