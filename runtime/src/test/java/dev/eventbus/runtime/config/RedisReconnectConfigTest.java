package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eventbus.redis.reconnect}: the back-off of reconnects after a dropped connection. */
class RedisReconnectConfigTest {

    @TempDir
    Path dir;

    private RedisSettings load(String hocon) throws IOException {
        Path f = dir.resolve("application.conf");
        Files.writeString(f, hocon);
        return ConfigLoader.load(Optional.of(f)).redis();
    }

    @Test
    void defaultsStartAtTenMillisecondsAndStopAtFiveSeconds() {
        RedisReconnect reconnect = ConfigLoader.load(Optional.empty()).redis().reconnect();
        assertEquals(new RedisReconnect(Duration.ofMillis(10), Duration.ofSeconds(5)), reconnect);
        assertEquals(RedisReconnect.DEFAULT, reconnect);
    }

    @Test
    void bothBoundsAreRead() throws IOException {
        RedisSettings redis = load("eventbus.redis.reconnect { initial-delay = 0s, max-delay = 750ms }\n");
        assertEquals(new RedisReconnect(Duration.ZERO, Duration.ofMillis(750)), redis.reconnect());
    }

    @Test
    void aMaximumBelowTheInitialDelayIsAConfigErrorNamingBothKeys() throws IOException {
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> load("eventbus.redis.reconnect { initial-delay = 2s, max-delay = 1s }\n"));
        assertTrue(e.getMessage().contains("eventbus.redis.reconnect.max-delay (1s, "), e.getMessage());
        assertTrue(e.getMessage().contains("eventbus.redis.reconnect.initial-delay (2s, "), e.getMessage());
    }

    @Test
    void aNegativeInitialOrZeroMaximumIsAConfigError() {
        InvalidConfigException negative = assertThrows(
                InvalidConfigException.class, () -> load("eventbus.redis.reconnect.initial-delay = -1s\n"));
        assertTrue(negative.getMessage().contains("initial-delay must not be negative"), negative.getMessage());
        InvalidConfigException zero = assertThrows(
                InvalidConfigException.class,
                () -> load("eventbus.redis.reconnect { initial-delay = 0s, max-delay = 0s }\n"));
        assertTrue(zero.getMessage().contains("max-delay must be positive"), zero.getMessage());
    }

    @Test
    void anUnknownKeyUnderReconnectIsAConfigError() {
        InvalidConfigException e =
                assertThrows(InvalidConfigException.class, () -> load("eventbus.redis.reconnect.max = 1s\n"));
        assertTrue(e.getMessage().contains("eventbus.redis.reconnect.max"), e.getMessage());
    }
}
