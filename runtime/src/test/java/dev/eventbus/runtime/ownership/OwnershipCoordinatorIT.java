package dev.eventbus.runtime.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.OwnershipSettings;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The coordinator against a real Redis, one instance alone (every partition is assigned to it):
 * after its lease lapsed (the coordinator stalled past the local deadline, as a starved or frozen
 * process's does), it takes a new one only once nothing taken under the old one is held any more,
 * so an event read under the old lease never runs under the new one, after what another owner may
 * have handled meanwhile.
 */
class OwnershipCoordinatorIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final OwnershipSettings SETTINGS =
            new OwnershipSettings(Duration.ofMillis(1500), Duration.ofMillis(100), Duration.ofMillis(500));
    /** Past the local deadline (ttl - margin after the last renewal). */
    private static final Duration STALL = Duration.ofMillis(1300);

    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private OwnershipCoordinator coordinator;
    private final AtomicBoolean cleared = new AtomicBoolean(true);
    private final AtomicInteger clearedAsked = new AtomicInteger();

    @BeforeEach
    void start() {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
        coordinator = new OwnershipCoordinator(
                "inst-a",
                SETTINGS,
                connection.sync(),
                ReconnectReason.UNKNOWN,
                () -> {},
                Duration.ofSeconds(5),
                System::nanoTime);
    }

    @AfterEach
    void stop() {
        coordinator.close();
        connection.close();
        client.shutdown();
    }

    /**
     * Past the drain limit the lease is taken all the same: a worker that ignores its interrupt
     * keeps its lane, and the events behind it, for good, and the partition must not stay unowned.
     */
    @Test
    void aLeaseWaitsForItsOldEventsAtMostTheDrainLimit() throws InterruptedException {
        coordinator.close();
        coordinator = new OwnershipCoordinator(
                "inst-a",
                SETTINGS,
                connection.sync(),
                ReconnectReason.UNKNOWN,
                () -> {},
                Duration.ofSeconds(1),
                System::nanoTime);
        Lease lease = register();
        long first = lease.token();
        cleared.set(false); // for good
        lapse(lease);
        long freeAt = System.nanoTime();
        await("taken again all the same", () -> lease.state() == Lease.State.HELD);
        long waited = (System.nanoTime() - freeAt) / 1_000_000;
        assertTrue(waited >= 700, "waited " + waited + " ms for the old events");
        assertTrue(lease.token() > first);
    }

    private Lease register() {
        Lease lease = coordinator.register("recorder", "{orders:0/8}", () -> true, () -> {
            clearedAsked.incrementAndGet();
            return cleared.get();
        });
        coordinator.start();
        await("the lease acquired", () -> lease.state() == Lease.State.HELD);
        return lease;
    }

    /** Stalls the coordinator past the lease's local deadline, then lets it go on. */
    private void lapse(Lease lease) throws InterruptedException {
        coordinator.freeze(true);
        Thread.sleep(STALL.toMillis());
        assertEquals(Lease.State.LAPSED, lease.check(), "past the local deadline");
        coordinator.freeze(false);
        await("the lapsed lease released", () -> lease.state() == Lease.State.FREE);
    }

    @Test
    void aLapsedLeaseIsTakenAgainOnlyOnceWhatWasTakenUnderItLeft() throws InterruptedException {
        Lease lease = register();
        long first = lease.token();
        cleared.set(false); // an event read under it still waits in a lane
        lapse(lease);
        int asked = clearedAsked.get();
        await("asked several times", () -> clearedAsked.get() >= asked + 5);
        assertEquals(Lease.State.FREE, lease.state(), "not taken again while the old lease's events are held");
        assertEquals(false, lease.mayDispatch());

        cleared.set(true);
        await("taken again", () -> lease.state() == Lease.State.HELD);
        assertTrue(lease.token() > first, "a new token: " + lease.token() + " after " + first);
    }

    @Test
    void aLapsedLeaseIsTakenAgainOnlyOnceNoReadUnderItIsInProgress() throws InterruptedException {
        Lease lease = register();
        long first = lease.token();
        assertEquals(first, lease.enterRead()); // a read under way when the process stalled
        lapse(lease);
        int asked = clearedAsked.get();
        Thread.sleep(SETTINGS.renewEvery().multipliedBy(5).toMillis());
        assertEquals(Lease.State.FREE, lease.state(), "not taken again while a read under the old lease runs");

        lease.exitRead();
        await("taken again", () -> lease.state() == Lease.State.HELD);
        assertTrue(lease.token() > first);
        assertTrue(clearedAsked.get() > asked, "its subscription was asked too");
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(what)
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(10))
                .until(condition);
    }
}
