package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.config.RedisReconnect;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RedisTls;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code redis.reconnect} reaches the clients of one node, the sentinels and a cluster. */
class ReconnectDelayTest {

    private static RedisSettings settings(String uri, RedisReconnect reconnect) {
        return new RedisSettings(
                uri,
                Duration.ofSeconds(3),
                1000,
                Duration.ofMillis(100),
                Duration.ofSeconds(1),
                "",
                RedisTls.NONE,
                reconnect);
    }

    @Test
    void theBackOffStartsAtTheInitialDelayDoublesAndStopsAtTheMaximum() {
        RedisReconnect reconnect = new RedisReconnect(Duration.ofMillis(100), Duration.ofMillis(700));
        Delay delay = RedisConnector.resources(settings("redis://127.0.0.1:1", reconnect))
                .reconnectDelay();
        assertEquals(Duration.ofMillis(100), delay.createDelay(1));
        assertEquals(Duration.ofMillis(256), delay.createDelay(9));
        assertEquals(Duration.ofMillis(512), delay.createDelay(10));
        assertEquals(Duration.ofMillis(700), delay.createDelay(11));
        assertEquals(Duration.ofMillis(700), delay.createDelay(40));
    }

    @Test
    void equalBoundsMeanAConstantDelay() {
        RedisReconnect reconnect = new RedisReconnect(Duration.ofMillis(200), Duration.ofMillis(200));
        Delay delay = RedisConnector.resources(settings("redis://127.0.0.1:1", reconnect))
                .reconnectDelay();
        assertEquals(Duration.ofMillis(200), delay.createDelay(1));
        assertEquals(Duration.ofMillis(200), delay.createDelay(30));
    }

    @Test
    void theNodeAndSentinelClientAndTheClusterClientUseIt() {
        RedisReconnect reconnect = new RedisReconnect(Duration.ofMillis(5), Duration.ofMillis(300));
        RedisClient node = RedisConnector.client(settings("redis-sentinel://127.0.0.1:1#primary", reconnect));
        try {
            assertEquals(
                    Duration.ofMillis(300), node.getResources().reconnectDelay().createDelay(30));
        } finally {
            node.shutdown();
        }
        ClusterConnectionOpener cluster =
                new ClusterConnectionOpener(settings("redis-cluster://127.0.0.1:1,127.0.0.1:2", reconnect));
        try {
            assertEquals(
                    Duration.ofMillis(300), cluster.resources().reconnectDelay().createDelay(30));
        } finally {
            cluster.close();
        }
    }
}
