package dev.eventbus.runtime.consumer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.config.RecoverySettings;
import dev.eventbus.runtime.dispatch.ManualDispatch;
import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.PendingMessage;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * While a subscription's acknowledgements are at {@code consumer.ack-limit}, the retry poller and
 * the reclaimer take nothing from Redis (a worker that finished frees its slot at once, and they
 * would fill it again), and they take what is there once there is room. Real loops against a real
 * Redis; the room is the test's switch, and the workers never start (the executor only counts them).
 */
class RetryAndReclaimAckRoomIT {

    private static final Duration PERIOD = Duration.ofMillis(10);
    private static final Duration CLAIM_IDLE = Duration.ofSeconds(30);
    /** Rounds that must take nothing: many poll periods, each a full pass over what is there. */
    private static final int ROUNDS = 20;

    private final Subscription sub = ManualDispatch.subscription();
    private final EntrySlots slots = new EntrySlots(8);
    private final HeldBytes held = new HeldBytes(1 << 20, slots);
    private final AtomicInteger workersStarted = new AtomicInteger();
    private final CountingGate gate = new CountingGate();
    private volatile boolean ackRoom;

    private RedisServer server;
    private RedisClient client;
    private RedisCommands<byte[], byte[]> redis;
    private RetryStore store;
    private SubscriptionDispatch dispatch;
    private Loop loop;
    private String id;

    /** {@link PartitionGate#OPEN} that counts the rounds it ran to their end. */
    private static final class CountingGate extends OpenGateRounds {
        final AtomicInteger rounds = new AtomicInteger();

        @Override
        public void ifOwned(java.util.function.LongConsumer round) {
            round.accept(OPEN.enterRead());
            rounds.incrementAndGet();
        }
    }

    @BeforeEach
    void start() {
        server = RedisServer.start();
        client = RedisClient.create(server.uri());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        redis = connection.sync();
        store = new RetryStore(connection.async(), new SingleNodeKeys("dlq:"));
        dispatch = ManualDispatch.open(sub, false, 1, task -> workersStarted.incrementAndGet(), slots, () -> ackRoom);
        redis.xgroupCreate(
                XReadArgs.StreamOffset.from(b(sub.stream()), "0"), b(sub.group()), XGroupCreateArgs.Builder.mkstream());
        id = redis.xadd(b(sub.stream()), b("type"), b("paid"), b("subject"), b("s-1"));
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (loop != null) {
            loop.stop();
            loop.awaitEnd(Duration.ofSeconds(5));
        }
        client.shutdown();
        server.close();
    }

    @Test
    void theRetryPollerTakesNoDueRetryWhileTheAcknowledgementsAreAtTheirLimit() {
        // A's own entry failed, its retry due now.
        readAs("A");
        Instant failed = Instant.now().minusSeconds(1);
        store.schedule(sub, id, failed, failed).join();
        loop = new RetryPoller(
                        sub,
                        redis,
                        ReconnectReason.UNKNOWN,
                        "A",
                        store,
                        slots,
                        held,
                        1 << 20,
                        dispatch,
                        () -> Integer.MAX_VALUE,
                        PERIOD,
                        Clock.systemUTC(),
                        gate)
                .loop();

        loop.start();
        awaitRounds();

        assertTrue(store.isScheduled(redis, sub, id), "not taken from the store");
        assertEquals(1, pending().getRedeliveryCount(), "not claimed: no delivery counted");
        assertNothingHandedOver();

        ackRoom = true;

        await("the retry taken and claimed once there is room")
                .atMost(10, TimeUnit.SECONDS)
                .until(() -> !store.isScheduled(redis, sub, id) && pending().getRedeliveryCount() == 2);
        assertEquals("A", pending().getConsumer());
        assertEquals(1, workersStarted.get(), "handed to a worker");
    }

    @Test
    void theReclaimerTakesOverNothingWhileTheAcknowledgementsAreAtTheirLimit() {
        // Read by F, a dead instance, and idle past claim-idle (XCLAIM's IDLE sets the idle time it
        // reports); no retry waits for it, so any reclaimer with room takes it over.
        readAs("F");
        IdlePending.make(redis, sub, "F", CLAIM_IDLE.multipliedBy(2), id);
        RecoverySettings recovery =
                new RecoverySettings(PERIOD, CLAIM_IDLE, PERIOD, 10, Duration.ofHours(1), Duration.ofMinutes(1));
        GhostConsumers ghosts =
                new GhostConsumers(new InstanceRegistry(redis, Duration.ofSeconds(10)), "A", Duration.ofHours(1));
        loop = new PendingReclaimer(
                        sub,
                        redis,
                        ReconnectReason.UNKNOWN,
                        "A",
                        store,
                        slots,
                        held,
                        1 << 20,
                        dispatch,
                        recovery,
                        ghosts,
                        gate)
                .loop();

        loop.start();
        awaitRounds();

        assertEquals("F", pending().getConsumer(), "not moved by XAUTOCLAIM");
        assertEquals(1, pending().getRedeliveryCount(), "not claimed: no delivery counted");
        assertNothingHandedOver();

        ackRoom = true;

        await("taken over once there is room")
                .atMost(10, TimeUnit.SECONDS)
                .until(() -> "A".equals(pending().getConsumer()) && pending().getRedeliveryCount() == 2);
        assertEquals(1, workersStarted.get(), "handed to a worker");
    }

    /**
     * Waits for {@value #ROUNDS} whole rounds of the loop (a few hundred ms at most): each would have
     * taken the entry had it had room. A round that failed would take nothing for another reason.
     */
    private void awaitRounds() {
        await("rounds of the loop").atMost(10, TimeUnit.SECONDS).until(() -> gate.rounds.get() >= ROUNDS);
        assertEquals("", loop.failure(), "the rounds worked");
    }

    private void assertNothingHandedOver() {
        assertEquals(0, workersStarted.get(), "no worker started");
        assertEquals(0, slots.taken(), "no slot taken");
        assertEquals(0, held.held(), "no bytes charged");
    }

    private void readAs(String consumer) {
        redis.xreadgroup(
                Consumer.from(b(sub.group()), b(consumer)), XReadArgs.StreamOffset.lastConsumed(b(sub.stream())));
    }

    private PendingMessage pending() {
        List<PendingMessage> p = redis.xpending(b(sub.stream()), b(sub.group()), Range.create(id, id), Limit.from(1));
        return p.get(0);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
