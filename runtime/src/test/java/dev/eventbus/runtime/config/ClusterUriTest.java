package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code redis-cluster://} URIs: seed nodes checked at start like one node's, redacted, TLS by scheme. */
class ClusterUriTest {

    private static RuntimeConfig load(String uri) {
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseString("eventbus.redis.uri = \"" + uri + "\""));
    }

    @Test
    void clusterUrisNamingSeedNodesAreAccepted() {
        for (String uri : List.of(
                "redis-cluster://r1:7000,r2:7000,r3:7000",
                "redis-cluster://r1",
                "rediss-cluster://app:pw@r1:7000,[::1]:7001/0?db=0&clientName=app")) {
            RedisSettings redis = load(uri).redis();
            assertTrue(redis.cluster(), uri);
            assertFalse(redis.sentinel(), uri);
        }
        assertFalse(load("redis://h:6379").redis().cluster());
        assertFalse(load("redis-sentinel://s1#m").redis().cluster());
    }

    @Test
    void aClusterUriWithABadSeedOrADatabaseIsRefusedNamingTheProblem() {
        Map<String, String> refused = Map.of(
                "redis-cluster://app:s3cret@r1:7000,r2:notaport", "has a seed node that has port 'notaport'",
                "redis-cluster://r1,,r3", "has a seed node that has no host",
                "redis-cluster://127.0.0.1:7301,127.0.0.1:7302:7000", "has a seed node that has host '127.0.0.1:7302'",
                "redis-cluster://r1:7000/2", "a Redis Cluster has database 0 only",
                "redis-cluster://r1:7000?database=2", "a Redis Cluster has database 0 only",
                "redis-cluster://r1:7000#orders", "which only a sentinel URI takes",
                "redis-cluster://r1:7000?sentinelMasterId=orders", "which only a sentinel URI takes",
                "cluster://r1:7000", "redis-cluster:// or rediss-cluster://");
        refused.forEach((uri, expected) -> {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load(uri), uri);
            assertTrue(e.getMessage().contains(expected), uri + ": " + e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        });
    }

    @Test
    void redissClusterIsTlsAndPasswordsAreRedacted() {
        RedisSettings redis =
                load("rediss-cluster://app:s3cret@r1:7000,r2:7000").redis();
        assertTrue(redis.tlsEnabled());
        assertEquals("rediss-cluster://***@r1:7000,r2:7000", redis.redactedUri());
        assertFalse(load("redis-cluster://r1:7000").redis().tlsEnabled());
    }
}
