package dev.eventbus.runtime.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lease scripts against a real Redis: grant, renewal, fencing by token and by server time, claim. */
class RedisLeasesIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final String PARTITION = "{orders:0/8}";
    private static final byte[] STREAM = b(PARTITION);

    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private RedisCommands<byte[], byte[]> redis;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Lease lease(String owner) {
        return new Lease("recorder", PARTITION, owner, Duration.ofSeconds(10), Duration.ofSeconds(2), System::nanoTime);
    }

    @BeforeEach
    void connect() {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
        redis.xgroupCreate(
                XReadArgs.StreamOffset.from(STREAM, "0"), b("recorder"), XGroupCreateArgs.Builder.mkstream());
    }

    @AfterEach
    void close() {
        connection.close();
        client.shutdown();
    }

    private List<Object> fencedRead(Lease lease, long token) {
        return redis.eval(
                LeaseScripts.FENCED_READ,
                ScriptOutputType.MULTI,
                new byte[][] {STREAM, b(lease.leaseKey())},
                b(lease.owner()),
                b(Long.toString(token)),
                b("recorder"),
                b(lease.owner()),
                b("10"),
                b(">"));
    }

    @Test
    void oneHolderAtATimeAndEveryGrantAHigherToken() {
        RedisLeases leases = new RedisLeases(redis, Duration.ofSeconds(10));
        Lease a = lease("a");
        Lease b = lease("b");
        assertEquals(1, leases.acquire(a));
        assertEquals(0, leases.acquire(b), "held and unexpired: not free");
        assertTrue(leases.renew(a, 1));
        assertFalse(leases.renew(a, 2), "another token does not renew");
        assertFalse(leases.renew(b, 1), "another owner does not renew");
        assertFalse(leases.release(b, 1), "compare-and-delete: not b's to release");
        assertTrue(leases.release(a, 1));
        assertEquals(2, leases.acquire(b), "the token only grows, across releases");
        assertEquals("b", leases.ownerOf(b.leaseKey(), System.currentTimeMillis()));
    }

    @Test
    void aLeaseExpiredByServerTimeFencesItsOldHolderOut() {
        RedisLeases shortLeases = new RedisLeases(redis, Duration.ofMillis(300));
        Lease a = lease("a");
        Lease b = lease("b");
        long tokenA = shortLeases.acquire(a);
        redis.xadd(STREAM, Map.of(b("n"), b("1")));
        assertEquals(1, fencedRead(a, tokenA).size(), "the holder reads");

        long tokenB;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((tokenB = shortLeases.acquire(b)) == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // waits on the condition itself: Redis's clock passing the expiry
        }
        assertEquals(tokenA + 1, tokenB, "taken over once expired");

        redis.xadd(STREAM, Map.of(b("n"), b("2")));
        RedisCommandExecutionException fenced =
                assertThrows(RedisCommandExecutionException.class, () -> fencedRead(a, tokenA));
        assertTrue(fenced.getMessage().startsWith("FENCED"), fenced.getMessage());
        assertFalse(shortLeases.renew(a, tokenA));
        assertFalse(shortLeases.release(a, tokenA), "the old holder cannot release the new holder's lease");

        // The new holder claims what the old one left pending, then reads its history in id order.
        byte[] cursor = redis.eval(
                LeaseScripts.FENCED_CLAIM,
                ScriptOutputType.VALUE,
                new byte[][] {STREAM, b(b.leaseKey())},
                b("b"),
                b(Long.toString(tokenB)),
                b("recorder"),
                b("b"),
                b("0-0"),
                b("100"));
        assertEquals("0-0", new String(cursor, StandardCharsets.UTF_8), "all claimed in one round");
        assertEquals(
                1,
                redis.xpending(STREAM, b("recorder")).getConsumerMessageCount().getOrDefault("b", 0L));
        assertEquals(1, fencedRead(b, tokenB).size(), "and reads the new entry the old holder could not take");
    }
}
