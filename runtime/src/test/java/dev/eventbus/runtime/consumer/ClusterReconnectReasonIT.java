package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.ops.FailFastRedis;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Readiness of a cluster whose primary went away says why its connection fails to reconnect, as a
 * one-node and a Sentinel readiness do (found from outside: it said only "does not answer").
 */
class ClusterReconnectReasonIT {

    @Test
    void aPrimaryThatWentAwayIsNamedWithWhyReconnectingFails() {
        // No replica and a long node timeout: the dead primary stays in the view, not failed over.
        try (RedisCluster cluster =
                        RedisCluster.start(new RedisCluster.Options(3, 0, Duration.ofSeconds(60), List.of()));
                FailFastRedis readiness = new FailFastRedis(settings(cluster))) {
            assertEquals("", readiness.unanswered(Duration.ofSeconds(5)));
            RedisServer dead = cluster.killPrimaryOf("reconnect-reason");
            String[] why = {""};
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(20))
                        .until(() -> (why[0] = readiness.unanswered(Duration.ofSeconds(1))).contains("reconnecting"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("readiness said: " + why[0], e);
            }
            assertTrue(
                    why[0].startsWith("primary 127.0.0.1:" + dead.port() + " does not answer (reconnecting: ")
                            && why[0].contains("Connection refused")
                            && why[0].endsWith("; 2 of 3 primaries do)"),
                    why[0]);
        }
    }

    private static RedisSettings settings(RedisCluster cluster) {
        return ClusterTestSettings.of(cluster, "");
    }
}
