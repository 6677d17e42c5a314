package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RespClient;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RedisExtension#container}: the Redis version the test chooses, in a Docker container.
 * Skipped, with the reason, where there is no Docker (as on the project's build machine).
 */
@ExtendWith(RequiresDocker.class)
class RedisContainerIT {

    @RegisterExtension
    static final RedisExtension REDIS = RedisExtension.container("redis:7.4");

    @Test
    void runsTheChosenVersion() {
        String info = (String) REDIS.command("INFO", "server");
        assertTrue(info.contains("redis_version:7.4."), info);
    }

    @Test
    void anEntryGoesThroughAConsumerGroupAndIsAcknowledged() {
        REDIS.command("FLUSHALL");
        RedisClient client = RedisClient.create(REDIS.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> redis = connection.sync();
            redis.xgroupCreate(
                    XReadArgs.StreamOffset.from("orders", "$"), "workers", XGroupCreateArgs.Builder.mkstream());
            String id = redis.xadd("orders", Map.of("type", "order.created", "data", "{\"id\":1}"));

            List<StreamMessage<String, String>> read = redis.xreadgroup(
                    Consumer.from("workers", "worker-1"), XReadArgs.StreamOffset.lastConsumed("orders"));
            assertEquals(1, read.size());
            assertEquals(id, read.get(0).getId());
            assertEquals(
                    Map.of("type", "order.created", "data", "{\"id\":1}"),
                    read.get(0).getBody());
            assertEquals(1L, redis.xpending("orders", "workers").getCount());

            assertEquals(1L, redis.xack("orders", "workers", id));
            assertEquals(0L, redis.xpending("orders", "workers").getCount());
        } finally {
            client.shutdown();
        }
    }

    @Test
    void flushEmptiesIt() {
        REDIS.command("SET", "left-over", "1");
        assertEquals("OK", REDIS.command("FLUSHALL"));
        assertEquals(0L, REDIS.command("DBSIZE"));
    }

    @Test
    void refusesFaultOperationsNamingTheContainer() {
        IllegalStateException e = assertThrows(IllegalStateException.class, REDIS::server);
        assertTrue(e.getMessage().contains("runs in a container (redis:7.4"), e.getMessage());
        assertTrue(e.getMessage().contains("new RedisExtension(RedisServer.Options)"), e.getMessage());
    }

    @Test
    void stopsItsContainerAfterTheClass() {
        RedisExtension other = RedisExtension.container("redis:7.4");
        other.beforeAll(null);
        String uri = other.uri();
        assertEquals("PONG", other.command("PING"));
        other.afterAll(null);
        assertThrows(UncheckedIOException.class, () -> RespClient.connect(uri).close());
    }
}
