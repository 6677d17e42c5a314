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

/** {@code redis-sentinel://} URIs: checked at start like one node's, redacted, TLS by scheme. */
class SentinelUriTest {

    private static RuntimeConfig load(String uri) {
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseString("eventbus.redis.uri = \"" + uri + "\""));
    }

    @Test
    void sentinelUrisNamingSentinelsAndAMasterAreAccepted() {
        for (String uri : List.of(
                "redis-sentinel://s1:26379,s2:26379,s3:26379#mymaster",
                "redis-sentinel://s1#mymaster",
                "rediss-sentinel://app:pw@s1:26380,[::1]:26380/2#orders-primary",
                "redis-sentinel://s1:26379?sentinelMasterId=mymaster",
                "redis-sentinel://:p%40ss@s1,s2/0?clientName=app#m")) {
            RedisSettings redis = load(uri).redis();
            assertTrue(redis.sentinel(), uri);
        }
        assertFalse(load("redis://h:6379").redis().sentinel());
    }

    @Test
    void aSentinelUriWithoutAMasterOrWithABadSentinelIsRefusedNamingTheProblem() {
        Map<String, String> refused = Map.of(
                "redis-sentinel://s1:26379,s2:26379", "names no master",
                "redis-sentinel://s1:26379#", "names no master",
                "redis-sentinel://app:s3cret@s1:26379,s2:notaport#m", "has a sentinel that has port 'notaport'",
                "redis-sentinel://s1,,s3#m", "has a sentinel that has no host",
                "redis-sentinel://s1:26379/zero#m", "has database 'zero'",
                "redis-sentinel://127.0.0.1:7320:1#m",
                        "has a sentinel that has host '127.0.0.1:7320', which holds a ':'",
                "redis-sentinel://s1:26379#orders?db=2", "has master name 'orders?db=2': the name comes last",
                "redis://h1:6379,h2:6379", "only a redis-sentinel:// URI may",
                "sentinel://s1#m", "must start with redis://, rediss://, redis-sentinel:// or rediss-sentinel://");
        refused.forEach((uri, expected) -> {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> load(uri), uri);
            assertTrue(e.getMessage().contains(expected), uri + ": " + e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        });
    }

    @Test
    void passwordsInSentinelUrisAreRedacted() {
        RedisSettings redis =
                load("redis-sentinel://app:s3cret@s1:26379,s2:26379/1#mymaster").redis();
        assertEquals("redis-sentinel://***@s1:26379,s2:26379/1#mymaster", redis.redactedUri());
        assertFalse(redis.toString().contains("s3cret"), redis.toString());
        assertEquals("rediss-sentinel://***@s1#m", RedisSettings.redact("rediss-sentinel://:p@ss/w#rd@s1#m"));
    }

    @Test
    void redissSentinelIsTlsAndTakesTheTlsKeys() {
        RedisSettings tls = load("rediss-sentinel://s1,s2?verifyPeer=NONE#m").redis();
        assertTrue(tls.tlsEnabled());
        assertTrue(tls.peerVerificationOff(), "the URI's verifyPeer is read as for one node");
        assertFalse(load("redis-sentinel://s1#m").redis().tlsEnabled());
        RuntimeConfig withVerify = ConfigLoader.load(
                Optional.empty(),
                ConfigFactory.parseString("eventbus.redis { uri = \"rediss-sentinel://s1,s2#m\", tls.verify = ca }"));
        assertEquals(RedisTls.Verification.CA, withVerify.redis().verification());
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> ConfigLoader.load(
                        Optional.empty(),
                        ConfigFactory.parseString(
                                "eventbus.redis { uri = \"redis-sentinel://s1#m\", tls.verify = ca }")));
        assertTrue(e.getMessage().contains("is not rediss://"), e.getMessage());
    }
}
