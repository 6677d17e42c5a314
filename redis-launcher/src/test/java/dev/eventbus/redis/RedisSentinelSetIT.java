package dev.eventbus.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisSentinelSetIT {

    @Test
    void comesUpWithTheFirstNodeAsPrimaryAndFailsOverWhenItIsKilled() {
        RedisSentinelSet set = RedisSentinelSet.start();
        try (set) {
            RedisServer first = set.nodes().get(0);
            RedisServer second = set.nodes().get(1);
            assertSame(first, set.primary());
            assertSame(second, set.replica());
            assertTrue(set.uri().startsWith("redis-sentinel://127.0.0.1:"), set.uri());
            assertTrue(set.uri().endsWith("#eventbus"), set.uri());
            try (RespClient primary = RespClient.connect(first.uri())) {
                primary.call("SET", "k", "before");
                assertEquals(1L, primary.call("WAIT", "1", "5000"), "the replica acknowledges the write");
            }

            RedisServer killed = set.killPrimary();
            assertSame(first, killed);
            assertFalse(first.isRunning());
            RedisServer promoted = set.awaitFailover(killed, Duration.ofSeconds(30));

            assertSame(second, promoted);
            try (RespClient client = RespClient.connect(promoted.uri())) {
                assertEquals("master", ((List<?>) client.call("ROLE")).get(0));
                assertEquals("before", client.call("GET", "k"), "a replicated write survives the failover");
                assertEquals("OK", client.call("SET", "k", "after"), "the promoted node takes writes");
            }
        }
        assertTrue(set.nodes().stream().noneMatch(RedisServer::isRunning));
        assertTrue(set.sentinels().stream().noneMatch(RedisServer::isRunning));
        assertNotSame(set.nodes().get(0), set.nodes().get(1));
    }

    @Test
    void withAnAclUserOnlyThatUserGetsInAndTheSentinelsStillSeeTheReplica() {
        try (RedisSentinelSet set =
                RedisSentinelSet.start(RedisSentinelSet.Options.defaults().withUser("app", "pw-1"))) {
            // start() returned: the replica synced and the sentinels found it, both logged in as app.
            RedisServer primary = set.primary();
            try (RespClient client = RespClient.connect("redis://app:pw-1@127.0.0.1:" + primary.port())) {
                assertEquals("PONG", client.call("PING"));
            }
            try (RespClient anonymous = RespClient.connect(primary.uri())) {
                RespErrorException refused = assertThrows(RespErrorException.class, () -> anonymous.call("PING"));
                assertEquals("NOAUTH", refused.code());
            }
        }
    }
}
