package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String hocon) throws IOException {
        Path f = dir.resolve("application.conf");
        Files.writeString(f, hocon);
        return f;
    }

    @Test
    void referenceAloneIsValid() {
        RuntimeConfig c = ConfigLoader.load(Optional.empty());
        assertEquals(Duration.ofSeconds(2), c.consumer().block());
        assertEquals(256, c.handlerDefaults().maxInFlight());
        assertEquals(10, c.handlerDefaults().retry().maxAttempts());
        assertEquals("eventbus:dlq:h", c.consumer().deadLetterStream("h"));
        assertTrue(c.services().isEmpty());
        assertTrue(!c.consumerName().isBlank(), "consumer name defaults to the host name");
    }

    @Test
    void fileValuesAndServicesAreRead() throws IOException {
        RuntimeConfig c = ConfigLoader.load(Optional.of(file("""
                eventbus {
                  consumer-name = worker-7
                  consumer.block = 500ms
                  handler-defaults.max-in-flight = 8
                  handlers { h1 { max-in-flight = 3, retry.max-attempts = 2 } }
                  grpc.services { "orders.v1.OrderService" { target = "localhost:1", deadline = 750ms } }
                }
                """)));
        assertEquals("worker-7", c.consumerName());
        assertEquals(3, c.maxInFlight("h1"));
        assertEquals(8, c.maxInFlight("other"));
        assertEquals(2, c.handler("h1").retry().maxAttempts());
        assertEquals(10, c.handler("other").retry().maxAttempts());
        RpcServiceSettings s = c.services().get("orders.v1.OrderService");
        assertEquals("localhost:1", s.target());
        assertEquals(Duration.ofMillis(750), s.deadline());
        assertEquals(4194304, s.maxInboundMessageSize(), "unset keys come from grpc.defaults");
    }

    @Test
    void unknownKeyNamesKeyAndFile() throws IOException {
        Path f = file("eventbus.consumer.blok = 2s\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        assertTrue(e.getMessage().contains("eventbus.consumer.blok"), e.getMessage());
        assertTrue(e.getMessage().contains(f.getFileName().toString()), e.getMessage());
    }

    @Test
    void unparsableValueNamesKey() throws IOException {
        Path f = file("eventbus.consumer.block = soon\n");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        assertTrue(e.getMessage().contains("consumer.block"), e.getMessage());
    }

    @Test
    void everyUnparsableNumberIsAConfigErrorNamingItsKey() {
        // Each passes the type check (a number, or a string that may hold one) and fails only when read.
        for (String setting : java.util.List.of(
                "eventbus.redis.request-queue-size = 3000000000",
                "eventbus.consumer.max-event-bytes = \"lots\"",
                "eventbus.consumer.ack-batch-size = 3000000000",
                "eventbus.consumer.ack-limit = 3000000000",
                "eventbus.recovery.max-deliveries = 3000000000",
                "eventbus.handler-defaults.max-in-flight = 3000000000",
                "eventbus.handler-defaults.retry.max-attempts = 3000000000",
                "eventbus.handlers.h.max-in-flight = 3000000000",
                "eventbus.grpc.services.s.tls = \"maybe\"",
                "eventbus.grpc.services.s.max-inbound-message-size = 3000000000")) {
            String key = setting.substring("eventbus.".length(), setting.indexOf(' '));
            InvalidConfigException e = assertThrows(InvalidConfigException.class,
                    () -> ConfigLoader.load(Optional.empty(), ConfigFactory.parseString(setting
                            + "\neventbus.grpc.services.s.target = \"h:1\"")), setting);
            assertTrue(e.getMessage().contains(key.substring(key.lastIndexOf('.') + 1)), e.getMessage());
        }
    }

    @Test
    void everyProblemIsListedAtOnce() throws IOException {
        Path f = file("""
                eventbus.handler-defaults.max-in-flight = 0
                eventbus.consumer.new-group-start = "middle"
                eventbus.grpc.services.x { deadline = 1s }
                eventbus.grpc.services.y { target = "h:1", colour = blue }
                eventbus.handlers.h { speed = 3 }
                """);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(f)));
        // Five mistakes; handler h also inherits the bad max-in-flight, and says so.
        assertEquals(6, e.problems().size(), e.getMessage());
    }

    @Test
    void blockMustBeShorterThanCommandTimeout() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.empty(),
                ConfigFactory.parseString("eventbus.consumer.block = 20s")));
        assertTrue(e.getMessage().contains("redis.command-timeout"), e.getMessage());
    }

    @Test
    void missingFileIsAnError() {
        assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(Optional.of(dir.resolve("nope.conf"))));
    }

    @Test
    void invalidRedisUrisAreRefusedNamingTheKeyAndWhatIsWrong() {
        Map<String, String> refused = Map.of(
                "redis://host:notaport", "redis.uri has port 'notaport', which is not a number from 1 to 65535",
                "redis://host:70000", "has port '70000'",
                "redis://host:", "has port ''",
                "http://host:6379", "redis.uri must start with redis:// or rediss://, was 'http://host:6379'",
                "redis://", "redis.uri has no host",
                "redis://app:s3cret@:6379", "has no host: 'redis://***@:6379'",
                "redis://host:6379/zero", "has database 'zero'",
                "redis://[::1:6379", "IPv6 host without its closing");
        refused.forEach((uri, expected) -> {
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> ConfigLoader.load(
                    Optional.empty(), ConfigFactory.parseString("eventbus.redis.uri = \"" + uri + "\"")), uri);
            assertTrue(e.getMessage().contains(expected), uri + ": " + e.getMessage());
            assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        });
        for (String uri : List.of("redis://127.0.0.1:6379", "rediss://app:pw@redis.example.com:6380/2?timeout=5s",
                "redis://redis", "redis://[::1]:6379/0", "redis://:pw@h")) {
            ConfigLoader.load(Optional.empty(), ConfigFactory.parseString("eventbus.redis.uri = \"" + uri + "\""));
        }
    }

    @Test
    void redactedUriHidesPassword() {
        RuntimeConfig c = ConfigLoader.load(Optional.empty(),
                ConfigFactory.parseString("eventbus.redis.uri = \"redis://app:s3cret@redis:6379/0\""));
        assertEquals("redis://***@redis:6379/0", c.redis().redactedUri());
    }
}
