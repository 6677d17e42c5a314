package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Map;
import java.util.Optional;
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

    @Test
    void usesTheUriFromTheEnvironmentAsIs() {
        RedisExtension extension = new RedisExtension();
        extension.start(Map.of(RedisExtension.URI_ENV, " redis://10.1.2.3:6390 ")::get);
        assertEquals("redis://10.1.2.3:6390", extension.uri());
        IllegalStateException e = assertThrows(IllegalStateException.class, extension::server);
        assertTrue(e.getMessage().contains("not owned by the test"), e.getMessage());
    }

    @Test
    void refusesBothAUriAndAnImageFromTheEnvironment() {
        RedisExtension extension = new RedisExtension();
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> extension.start(Map.of(
                        RedisExtension.URI_ENV, "redis://10.1.2.3:6390", RedisExtension.IMAGE_ENV, "redis:7.4")::get));
        assertTrue(
                e.getMessage()
                        .contains("both EVENTBUS_TEST_REDIS_URI=redis://10.1.2.3:6390 and"
                                + " EVENTBUS_TEST_REDIS_IMAGE=redis:7.4 are set"),
                e.getMessage());
    }

    @Test
    void refusesAContainerWithoutAnImage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisExtension.container(" "));
        assertTrue(e.getMessage().contains("for example redis:7.4"), e.getMessage());
    }

    @Test
    void aContainerWithoutTestcontainersOnTheClassPathSaysWhatToAdd() throws IOException {
        RedisExtension.requireTestcontainers(RedisExtensionTest.class.getClassLoader(), "here");
        try (URLClassLoader withoutTestcontainers = new URLClassLoader(new URL[0], null)) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> RedisExtension.requireTestcontainers(
                            withoutTestcontainers, "RedisExtension.container(\"redis:7.4\")"));
            assertTrue(
                    e.getMessage()
                            .startsWith("RedisExtension.container(\"redis:7.4\") runs Redis with Testcontainers,"
                                    + " which is not on the test class path: add the dependency org.testcontainers:testcontainers at"
                                    + " test scope"),
                    e.getMessage());
        }
    }

    /**
     * The image from the environment starts where Docker runs; elsewhere (the project's build
     * machine) the extension fails with Testcontainers' reason instead of falling back to redis-server.
     */
    @Test
    void anImageFromTheEnvironmentRunsInAContainerOrIsRefusedWithoutDocker() {
        RedisExtension extension = new RedisExtension();
        Map<String, String> environment = Map.of(RedisExtension.IMAGE_ENV, "redis:7.4");
        Optional<String> noDocker = TestcontainersRedis.dockerProblem();
        if (noDocker.isEmpty()) {
            extension.start(environment::get);
            try {
                assertTrue(((String) extension.command("INFO", "server")).contains("redis_version:7.4."));
            } finally {
                extension.afterAll(null);
            }
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> extension.start(environment::get));
        assertEquals(
                "EVENTBUS_TEST_REDIS_IMAGE=redis:7.4 runs Redis in a container, but there is no Docker"
                        + " environment (" + noDocker.get() + "); where Docker cannot run, use"
                        + " new RedisExtension() without EVENTBUS_TEST_REDIS_IMAGE: it starts redis-server",
                e.getMessage());
        assertTrue(e.getMessage().contains("(Testcontainers found none; DOCKER_HOST is "), e.getMessage());
        assertThrows(IllegalStateException.class, extension::uri, "nothing started");
    }
}
