package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What each group owes on a key, as Redis tells it: per group, so two handlers owe one entry twice. */
class GroupBacklogIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private RedisClient client;
    private RedisCommands<byte[], byte[]> redis;

    @BeforeEach
    void connect() {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
    }

    @AfterEach
    void close() {
        client.shutdown();
    }

    @Test
    void eachGroupOwesTheEntriesAfterItsLastDeliveredOnePlusItsPendingOnes() {
        REDIS.command("XGROUP", "CREATE", "{wallet:0/4}", "event-logger", "0", "MKSTREAM");
        REDIS.command("XGROUP", "CREATE", "{wallet:0/4}", "mark-order-paid", "0");
        for (int i = 0; i < 5; i++) {
            REDIS.command("XADD", "{wallet:0/4}", "*", "type", "t");
        }
        REDIS.command("XREADGROUP", "GROUP", "mark-order-paid", "c", "COUNT", "2", "STREAMS", "{wallet:0/4}", ">");
        List<GroupBacklog> backlogs = sorted(GroupBacklog.of(redis, "{wallet:0/4}", 100));
        assertEquals(
                List.of(new GroupBacklog("event-logger", 5, 0), new GroupBacklog("mark-order-paid", 3, 2)), backlogs);
        assertEquals(List.of(5L, 5L), backlogs.stream().map(GroupBacklog::owed).toList());
    }

    @Test
    void withoutALagFromRedisTheEntriesAreCountedUpToTheLimit() {
        REDIS.command("XGROUP", "CREATE", "{wallet:0/4}", "event-logger", "0", "MKSTREAM");
        Object second = null;
        for (int i = 0; i < 5; i++) {
            Object id = REDIS.command("XADD", "{wallet:0/4}", "*", "type", "t");
            second = i == 1 ? id : second;
        }
        // A deleted entry after the group's last delivered one: Redis cannot tell its lag any more.
        REDIS.command("XDEL", "{wallet:0/4}", text(second));
        assertEquals(List.of(new GroupBacklog("event-logger", 4, 0)), GroupBacklog.of(redis, "{wallet:0/4}", 100));
        assertEquals(List.of(new GroupBacklog("event-logger", 1, 0)), GroupBacklog.of(redis, "{wallet:0/4}", 1));
    }

    @Test
    void aKeyThatDoesNotExistOwesNothingAndSaysSo() {
        assertNull(GroupBacklog.of(redis, "{wallet:1/4}", 1));
    }

    @Test
    void whatEachGroupOwesIsToldSortedWithoutThoseOwingNothing() {
        assertEquals(
                "5 for event-logger, 5 for mark-order-paid",
                GroupBacklog.perGroup(java.util.Map.of("mark-order-paid", 5L, "event-logger", 5L, "audit", 0L)));
        assertEquals("", GroupBacklog.perGroup(java.util.Map.of("audit", 0L)));
    }

    private static List<GroupBacklog> sorted(List<GroupBacklog> backlogs) {
        return backlogs.stream()
                .sorted(Comparator.comparing(GroupBacklog::group))
                .toList();
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
