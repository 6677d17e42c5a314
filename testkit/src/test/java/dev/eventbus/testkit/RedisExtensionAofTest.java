package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisExtensionAofTest {

    @RegisterExtension
    static final RedisExtension REDIS =
            new RedisExtension(RedisServer.Options.defaults().withAppendOnly(true));

    @Test
    void anOwnedAofServerSurvivesKillAndRestart() {
        REDIS.command("XADD", "wallet", "*", "type", "wallet.topup.succeeded");
        assertEquals("yes", ((java.util.List<?>) REDIS.command("CONFIG", "GET", "appendonly")).get(1));
        REDIS.server().kill();
        REDIS.server().restart();
        assertEquals(1L, REDIS.command("XLEN", "wallet"));
    }
}
