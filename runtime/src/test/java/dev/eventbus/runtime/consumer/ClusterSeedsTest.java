package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.RedisSettings;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cluster URI becomes one seed URI per host, each with the URI's scheme, user and query. */
class ClusterSeedsTest {

    private static List<RedisURI> seeds(String uri) {
        return RedisConnector.clusterSeeds(
                new RedisSettings(uri, Duration.ofSeconds(3), 1000, Duration.ofMillis(100), Duration.ofSeconds(1)));
    }

    @Test
    void everyHostIsASeedWithTheCredentialsTlsAndTimeout() {
        List<RedisURI> seeds = seeds("rediss-cluster://app:pw@r1:7000,r2:7001?verifyPeer=NONE");
        assertEquals(2, seeds.size());
        assertEquals("r1", seeds.get(0).getHost());
        assertEquals(7000, seeds.get(0).getPort());
        assertEquals("r2", seeds.get(1).getHost());
        assertEquals(7001, seeds.get(1).getPort());
        for (RedisURI seed : seeds) {
            assertTrue(seed.isSsl());
            RedisCredentials credentials =
                    seed.getCredentialsProvider().resolveCredentials().block();
            assertEquals("app", credentials.getUsername());
            assertEquals("pw", new String(credentials.getPassword()));
            assertEquals(Duration.ofSeconds(3), seed.getTimeout());
        }
    }

    @Test
    void plainSeedsWithoutCredentials() {
        List<RedisURI> seeds = seeds("redis-cluster://127.0.0.1:7000");
        assertEquals(1, seeds.size());
        assertEquals(false, seeds.get(0).isSsl());
        assertEquals(7000, seeds.get(0).getPort());
    }
}
