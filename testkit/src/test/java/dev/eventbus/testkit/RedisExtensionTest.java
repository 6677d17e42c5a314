package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisExtensionTest {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @Test
    void givesAWorkingRedis() {
        assertTrue(REDIS.uri().startsWith("redis"), REDIS.uri());
        assertEquals("OK", REDIS.command("FLUSHALL"));
        REDIS.command("XADD", "orders", "*", "type", "order.created");
        assertEquals(1L, REDIS.command("XLEN", "orders"));
    }

    @Test
    void ownsTheServerUnlessGivenAUri() {
        String external = System.getenv(RedisExtension.URI_ENV);
        if (external == null || external.isBlank()) {
            assertEquals(REDIS.uri(), REDIS.server().uri());
            assertTrue(REDIS.server().isRunning());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, REDIS::server);
            assertTrue(e.getMessage().contains("fault tests need an owned server"), e.getMessage());
            assertEquals(external.strip(), REDIS.uri());
        }
    }

    @Test
    void refusesUseBeforeStart() {
        RedisExtension unstarted = new RedisExtension();
        IllegalStateException e = assertThrows(IllegalStateException.class, unstarted::uri);
        assertTrue(e.getMessage().contains("static"), e.getMessage());
    }

    @Test
    void stopsItsServerAfterTheClass() {
        RedisExtension extension = new RedisExtension(RedisServer.Options.defaults());
        extension.beforeAll(null);
        RedisServer server = extension.server();
        assertEquals("PONG", extension.command("PING"));
        extension.afterAll(null);
        assertTrue(!server.isRunning());
    }
}
