package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.dispatch.ManualDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.ClaimedMessages;
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
 * A due retry is claimed by exactly one consumer, against a real Redis, with the steps of the retry
 * poller (instance A) and of another instance's reclaimer (B) interleaved by hand. The entry failed
 * at consumer F and has waited for its retry longer than {@code recovery.claim-idle}, so it is
 * idle enough for any reclaimer the moment it is no longer scheduled.
 */
class RetryClaimRaceIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final Duration CLAIM_IDLE = Duration.ofSeconds(30);

    private final Subscription sub = ManualDispatch.subscription();
    private RedisClient client;
    private RedisCommands<byte[], byte[]> redis;
    private RetryStore store;
    private String id;

    @BeforeEach
    void failedEntryWaitingForItsRetry() {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
        store = new RetryStore(connection.async(), new SingleNodeKeys("dlq:"));
        redis.xgroupCreate(
                XReadArgs.StreamOffset.from(b(sub.stream()), "0"), b(sub.group()), XGroupCreateArgs.Builder.mkstream());
        id = redis.xadd(b(sub.stream()), b("type"), b("paid"), b("subject"), b("s-1"));
        redis.xreadgroup(Consumer.from(b(sub.group()), b("F")), XReadArgs.StreamOffset.lastConsumed(b(sub.stream())));
        Instant failed = Instant.now();
        store.schedule(sub, id, failed, failed).join();
        // Its wait for the retry, past claim-idle: XCLAIM's IDLE sets the idle time it reports.
        IdlePending.make(redis, sub, "F", CLAIM_IDLE.multipliedBy(2), id);
    }

    @AfterEach
    void close() {
        client.shutdown();
    }

    private DueRetries poller(String consumer) {
        return new DueRetries(redis, store, sub, consumer);
    }

    private EntryFetcher fetcher(String consumer) {
        return new EntryFetcher(redis, sub, consumer, 1 << 20);
    }

    private IdleEntries reclaimer(String consumer) {
        return new IdleEntries(redis, store, sub, consumer, CLAIM_IDLE);
    }

    private PendingMessage pending() {
        List<PendingMessage> p = redis.xpending(b(sub.stream()), b(sub.group()), Range.create(id, id), Limit.from(1));
        return p.isEmpty() ? null : p.get(0);
    }

    @Test
    void aRetryTakenIsNoLongerIdleForAnyReclaimerBeforeThePollerClaimsIt() {
        List<DueRetries.Taken> taken = poller("A").take(Instant.now(), 10, Fence.NONE);
        assertEquals(List.of(new DueRetries.Taken(id, DueRetries.State.HERE, 1)), taken);
        assertFalse(store.isScheduled(redis, sub, id), "taken from the store");

        // Between the take and the claim: another instance's reclaimer scans, as is, and as XAUTOCLAIM alone.
        IdleEntries.Page page = reclaimer("B").next("0-0", 10, Fence.NONE);
        assertEquals(List.of(), page.ids());
        ClaimedMessages<byte[], byte[]> plain = redis.xautoclaim(
                b(sub.stream()),
                XAutoClaimArgs.Builder.justid(Consumer.from(b(sub.group()), b("B")), CLAIM_IDLE, "0-0"));
        assertTrue(plain.getMessages().isEmpty(), "moved to A with its idle time reset: no reclaimer takes it");

        Claim claim = fetcher("A").claim(id, StreamEntry.Origin.RETRY);
        assertEquals(Claim.Kind.CLAIMED, claim.kind());
        assertEquals(2, claim.entry().deliveries(), "one delivery at F, one for the retry");
        assertEquals("A", pending().getConsumer());
        assertEquals(2, pending().getRedeliveryCount());
    }

    @Test
    void thePollersClaimDoesNotTakeTheEntryFromAConsumerThatClaimedItAfterTheTake() {
        assertEquals(
                DueRetries.State.HERE,
                poller("A").take(Instant.now(), 10, Fence.NONE).get(0).state());
        // Another consumer claims it in between (a reclaimer after a stall of A past claim-idle).
        redis.xclaim(b(sub.stream()), Consumer.from(b(sub.group()), b("B")), XClaimArgs.Builder.minIdleTime(0), id);

        Claim claim = fetcher("A").claim(id, StreamEntry.Origin.RETRY);

        assertEquals(Claim.Kind.TAKEN_ELSEWHERE, claim.kind());
        assertNull(claim.entry());
        assertEquals("B", pending().getConsumer(), "still B's");
        assertEquals(2, pending().getRedeliveryCount(), "B's delivery only");
    }

    @Test
    void aReclaimerLeavesAScheduledEntryToThePollerAndCannotClaimItOnceThePollerTookIt() {
        IdleEntries.Page page = reclaimer("B").next("0-0", 10, Fence.NONE);
        assertEquals(List.of(), page.ids(), "scheduled: left to the poller");
        assertEquals("B", pending().getConsumer(), "moved off F all the same, as XAUTOCLAIM JUSTID did");
        assertEquals(1, pending().getRedeliveryCount(), "no delivery counted");

        assertEquals(
                DueRetries.State.HERE,
                poller("A").take(Instant.now(), 10, Fence.NONE).get(0).state());
        assertEquals(
                Claim.Kind.TAKEN_ELSEWHERE,
                fetcher("B").claim(id, StreamEntry.Origin.RECLAIM).kind());
        assertEquals(
                Claim.Kind.CLAIMED,
                fetcher("A").claim(id, StreamEntry.Origin.RETRY).kind());
        assertEquals("A", pending().getConsumer());
        assertEquals(2, pending().getRedeliveryCount());
    }

    @Test
    void aReclaimerStillTakesIdleEntriesThatWaitForNoRetry() {
        store.clear(sub, id);
        assertFalse(store.isScheduled(redis, sub, id));

        IdleEntries.Page page = reclaimer("B").next("0-0", 10, Fence.NONE);

        assertEquals(List.of(id), page.ids());
        assertEquals("0-0", page.cursor());
        assertEquals(
                Claim.Kind.CLAIMED,
                fetcher("B").claim(id, StreamEntry.Origin.RECLAIM).kind());
        assertEquals(2, pending().getRedeliveryCount());
    }

    @Test
    void aDueRetryNoLongerPendingIsSettledAndOneDeletedWhileWaitingIsAVanishedLoss() {
        String second = redis.xadd(b(sub.stream()), b("type"), b("paid"));
        redis.xreadgroup(Consumer.from(b(sub.group()), b("F")), XReadArgs.StreamOffset.lastConsumed(b(sub.stream())));
        Instant now = Instant.now();
        store.schedule(sub, second, now, now).join();
        redis.xack(b(sub.stream()), b(sub.group()), id);
        redis.xdel(b(sub.stream()), second);

        List<DueRetries.Taken> taken = poller("A").take(Instant.now(), 10, Fence.NONE);

        assertEquals(
                List.of(
                        new DueRetries.Taken(id, DueRetries.State.SETTLED, 0),
                        new DueRetries.Taken(second, DueRetries.State.VANISHED, 1)),
                taken);
        assertNull(pending(), "acknowledged");
        assertTrue(
                redis.xpending(b(sub.stream()), b(sub.group()), Range.create("-", "+"), Limit.from(10))
                        .isEmpty(),
                "the deleted one was dropped from the pending list by the take");
    }

    @Test
    void aRetryNotYetDueIsNotTaken() {
        Instant later = Instant.now().plusSeconds(60);
        store.schedule(sub, id, later, later).join(); // moves its due time
        assertEquals(List.of(), poller("A").take(Instant.now(), 10, Fence.NONE));
        assertTrue(store.isScheduled(redis, sub, id));
        assertEquals("F", pending().getConsumer());
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
