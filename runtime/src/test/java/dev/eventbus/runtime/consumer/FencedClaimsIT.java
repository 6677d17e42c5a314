package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.dispatch.ManualDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.ownership.Lease;
import dev.eventbus.runtime.ownership.LeaseScripts;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.PendingMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The claims of the loops beside the reader check the partition's lease in the same script, against
 * a real Redis: a round that passed its lease check, stalled, and sends its claim once another
 * instance holds the lease moves nothing (error {@code FENCED}): not a due retry, not an idle entry,
 * not a renewal of an entry the new owner claimed. With the lease held, each works as before.
 */
class FencedClaimsIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final Duration CLAIM_IDLE = Duration.ofSeconds(30);

    private final Subscription sub = ManualDispatch.subscription();
    private final String leaseKey = Lease.keyOf(sub.stream(), sub.group());
    private RedisClient client;
    private RedisCommands<byte[], byte[]> redis;
    private RetryStore store;
    private String id;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** An entry of consumer F waiting for its due retry, idle past claim-idle. */
    @BeforeEach
    void entryWaitingForItsRetry() {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
        store = new RetryStore(connection.async(), new SingleNodeKeys("dlq:"));
        redis.xgroupCreate(
                XReadArgs.StreamOffset.from(b(sub.stream()), "0"), b(sub.group()), XGroupCreateArgs.Builder.mkstream());
        id = redis.xadd(b(sub.stream()), b("type"), b("paid"), b("subject"), b("s-1"));
        redis.xreadgroup(Consumer.from(b(sub.group()), b("F")), XReadArgs.StreamOffset.lastConsumed(b(sub.stream())));
        Instant failed = Instant.now().minusSeconds(60);
        store.schedule(sub, id, failed, failed).join();
        IdlePending.make(redis, sub, "F", CLAIM_IDLE.multipliedBy(2), id);
    }

    @AfterEach
    void close() {
        client.shutdown();
    }

    /** Grants the lease to {@code owner}; its token. */
    private long acquire(String owner) {
        Long token = redis.eval(
                LeaseScripts.ACQUIRE, ScriptOutputType.INTEGER, new byte[][] {b(leaseKey)}, b(owner), b("60000"));
        assertTrue(token > 0, "granted");
        return token;
    }

    private Fence fence(String owner, long token) {
        return new Fence(b(leaseKey), b(owner), b(Long.toString(token)));
    }

    private String consumerOf() {
        List<PendingMessage> p = redis.xpending(b(sub.stream()), b(sub.group()), Range.create(id, id), Limit.from(1));
        return p.isEmpty() ? null : p.get(0).getConsumer();
    }

    private void assertFenced(Runnable claim) {
        RedisCommandExecutionException e = assertThrows(RedisCommandExecutionException.class, claim::run);
        assertTrue(Fence.lost(e), e.getMessage());
    }

    @Test
    void claimsUnderALeaseAnotherInstanceHoldsNowMoveNothing() {
        long mine = acquire("inst-a");
        redis.hset(b(leaseKey), b("expires"), b("0")); // it expired ...
        long theirs = acquire("inst-b"); // ... and inst-b holds it now, with the next token

        assertFenced(() -> new DueRetries(redis, store, sub, "A").take(Instant.now(), 10, fence("inst-a", mine)));
        assertFenced(() -> new IdleEntries(redis, store, sub, "A", CLAIM_IDLE).next("0-0", 10, fence("inst-a", mine)));
        assertFenced(() -> new EntryFetcher(redis, sub, "A", 1 << 20).renew(List.of(id), fence("inst-a", mine)));
        assertEquals("F", consumerOf(), "still F's");
        assertTrue(store.isScheduled(redis, sub, id), "its retry still scheduled");

        // A stale token of the owner fails too; its current one works.
        assertFenced(() -> new DueRetries(redis, store, sub, "B").take(Instant.now(), 10, fence("inst-b", mine)));
        List<DueRetries.Taken> taken =
                new DueRetries(redis, store, sub, "B").take(Instant.now(), 10, fence("inst-b", theirs));
        assertEquals(List.of(new DueRetries.Taken(id, DueRetries.State.HERE, 1)), taken);
        assertEquals("B", consumerOf());
        assertEquals(List.of(), new EntryFetcher(redis, sub, "B", 1 << 20).renew(List.of(id), fence("inst-b", theirs)));
        assertEquals("B", consumerOf());
    }

    /**
     * Every entry in hand is renewed, however many: a first version passed the ids to XCLAIM with an
     * unpack that was not the last argument, which Lua cuts to its first value (a review found it),
     * and one script call cannot unpack about 8,000 (they go in chunks).
     */
    @Test
    void aRenewalUnderTheLeaseResetsTheIdleTimeOfEveryEntryInHand() {
        long token = acquire("inst-a");
        redis.zrem(b(store.dueKey(sub)), b(id));
        IdlePending.make(redis, sub, "A", Duration.ofMinutes(5), id);
        List<String> ids = new java.util.ArrayList<>(List.of(id));
        for (int i = 0; i < 2_499; i++) {
            ids.add(redis.xadd(b(sub.stream()), b("type"), b("paid"), b("subject"), b("s-" + i)));
        }
        redis.xreadgroup(
                Consumer.from(b(sub.group()), b("A")),
                XReadArgs.Builder.count(3_000),
                XReadArgs.StreamOffset.lastConsumed(b(sub.stream())));
        for (String other : ids.subList(1, ids.size())) {
            IdlePending.make(redis, sub, "A", Duration.ofMinutes(5), other);
        }

        assertEquals(List.of(), new EntryFetcher(redis, sub, "A", 1 << 20).renew(ids, fence("inst-a", token)));
        List<PendingMessage> pending =
                redis.xpending(b(sub.stream()), b(sub.group()), Range.create("-", "+"), Limit.from(3_000));
        assertEquals(ids.size(), pending.size());
        List<String> stale = pending.stream()
                .filter(p -> !p.getConsumer().equals("A") || p.getMsSinceLastDelivery() > 60_000)
                .map(PendingMessage::getId)
                .limit(5)
                .toList();
        assertEquals(List.of(), stale, "entries not renewed");
    }

    @Test
    void anIdleEntryIsTakenOverUnderTheLeaseHeld() {
        redis.zrem(b(store.dueKey(sub)), b(id)); // no longer scheduled: an idle claim may take it
        long token = acquire("inst-a");
        IdleEntries.Page page =
                new IdleEntries(redis, store, sub, "A", CLAIM_IDLE).next("0-0", 10, fence("inst-a", token));
        assertEquals(List.of(id), page.ids());
        assertEquals("A", consumerOf());
        assertFenced(
                () -> new IdleEntries(redis, store, sub, "B", Duration.ZERO).next("0-0", 10, fence("inst-b", token)));
        assertEquals("A", consumerOf());
    }
}
