package dev.eventbus.runtime.stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.RedisConnector;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Batching and back-pressure of acknowledgements, against a real Redis that is frozen for real. */
class AcknowledgerIT {

    private static final String STREAM = "acks";
    private static final String GROUP = "g";

    private RedisServer redis;
    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> bytes;
    private RedisCommands<String, String> sync;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        client = RedisClient.create(redis.uri());
        bytes = client.connect(ByteArrayCodec.INSTANCE);
        sync = client.connect().sync();
    }

    @AfterEach
    void stop() {
        client.shutdown();
        redis.close();
    }

    /** Appends n entries and reads them into the group, so that all n are pending. */
    private List<String> pendingEntries(int n) {
        sync.xgroupCreate(
                XReadArgs.StreamOffset.from(STREAM, "0"), GROUP, io.lettuce.core.XGroupCreateArgs.Builder.mkstream());
        for (int i = 0; i < n; i++) {
            sync.xadd(STREAM, Map.of("type", "t", "n", Integer.toString(i)));
        }
        List<String> ids = new ArrayList<>();
        for (StreamMessage<String, String> m : sync.xreadgroup(
                Consumer.from(GROUP, "c"), XReadArgs.Builder.count(n), XReadArgs.StreamOffset.lastConsumed(STREAM))) {
            ids.add(m.getId());
        }
        assertEquals(n, ids.size());
        assertEquals(n, sync.xpending(STREAM, GROUP).getCount());
        return ids;
    }

    private long xackCalls() {
        for (String line : sync.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_xack:")) {
                return Long.parseLong(line.replaceAll("^cmdstat_xack:calls=(\\d+),.*", "$1"));
            }
        }
        return 0;
    }

    @Test
    void acknowledgementsFromManyWorkersGoOutInFewBatches() throws Exception {
        List<String> ids = pendingEntries(1000);
        try (Acknowledger acks = new Acknowledger(bytes.async(), 100, Duration.ofMillis(50), 2000)) {
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                List<String> share = ids.subList(w * 250, (w + 1) * 250);
                workers.add(Thread.ofVirtual().start(() -> share.forEach(id -> acks.ack(STREAM, GROUP, id))));
            }
            for (Thread t : workers) {
                assertTrue(t.join(Duration.ofSeconds(10)));
            }
            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> sync.xpending(STREAM, GROUP).getCount() == 0);
        }
        long calls = xackCalls();
        assertTrue(calls >= 10 && calls <= 20, "1,000 acknowledgements in batches of at most 100: " + calls + " XACKs");
    }

    @Test
    void theReaderWaitsWhileTheLimitIsUnconfirmedAndGoesOnWhenRedisAnswers() throws Exception {
        List<String> ids = pendingEntries(11);
        try (Acknowledger acks = new Acknowledger(bytes.async(), 5, Duration.ofMillis(10), 10)) {
            Thread reader = fillTheLimitWhileRedisIsPaused(acks, ids);
            resumeAndAwaitEveryAck(acks, reader);
        } finally {
            redis.resume();
        }
    }

    /**
     * Pauses Redis (XACKs are sent but not answered) and acks all of {@code ids}, past the limit of
     * 10: a worker never waits. A reader asking for room must wait; it does so on a thread of its own.
     */
    private Thread fillTheLimitWhileRedisIsPaused(Acknowledger acks, List<String> ids) throws InterruptedException {
        redis.pause();
        Thread worker = Thread.ofVirtual().start(() -> ids.forEach(id -> acks.ack(STREAM, GROUP, id)));
        assertTrue(worker.join(Duration.ofSeconds(2)), "acks past the limit must not wait");
        assertFalse(acks.awaitRoom(STREAM, GROUP, Duration.ofMillis(200)), "no room while 11 are unconfirmed");
        assertFalse(acks.hasRoom(STREAM, GROUP), "nor for a look (the retry poller's, the reclaimer's)");
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                if (!acks.awaitRoom(STREAM, GROUP, Duration.ofSeconds(30))) {
                    throw new AssertionError("the wait for room ran out");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        assertFalse(reader.join(Duration.ofMillis(500)), "the reader must wait while the limit is unconfirmed");
        return reader;
    }

    /** Resumes Redis: the waiting reader goes on once Redis confirms, and nothing stays pending. */
    private void resumeAndAwaitEveryAck(Acknowledger acks, Thread waiting) throws InterruptedException {
        redis.resume();
        assertTrue(waiting.join(Duration.ofSeconds(10)), "the reader goes on once Redis confirms");
        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> sync.xpending(STREAM, GROUP).getCount() == 0);
        assertTrue(acks.hasRoom(STREAM, GROUP), "all confirmed: room again");
    }

    @Test
    void acknowledgementsRedisHasNotConfirmedAreReportedUntilItDoes() throws Exception {
        List<String> ids = pendingEntries(5);
        try (Acknowledger acks = new Acknowledger(bytes.async(), 2, Duration.ofMillis(10), 100)) {
            redis.pause(); // sent (in flight) or queued, none answered
            ids.forEach(id -> acks.ack(STREAM, GROUP, id));
            Thread.sleep(100); // the flusher sends what it can meanwhile
            assertEquals(Set.copyOf(ids), acks.unconfirmed(STREAM, GROUP), "queued and in flight alike");
            assertEquals(Set.of(), acks.unconfirmed(STREAM, "another-group"));
            redis.resume();
            await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> acks.unconfirmed(STREAM, GROUP).isEmpty());
            assertEquals(0, sync.xpending(STREAM, GROUP).getCount());
        } finally {
            redis.resume();
        }
    }

    @Test
    void theLimitIsPerSubscriptionSoAnotherSubscriptionsReaderDoesNotWait() throws Exception {
        List<String> ids = pendingEntries(11);
        try (Acknowledger acks = new Acknowledger(bytes.async(), 5, Duration.ofMillis(10), 10)) {
            Thread reader = fillTheLimitWhileRedisIsPaused(acks, ids);
            // Another subscription (another stream; another group on the same stream) has room of its own.
            for (int i = 0; i < 9; i++) {
                acks.ack("other-stream", GROUP, "1-" + i);
                acks.ack(STREAM, "other-group", "1-" + i);
            }
            assertTrue(acks.hasRoom("other-stream", GROUP), "another stream's reader has room");
            assertTrue(acks.hasRoom(STREAM, "other-group"), "another group's reader has room");
            assertTrue(reader.isAlive(), "the full subscription's reader still waits");
            resumeAndAwaitEveryAck(acks, reader);
        } finally {
            redis.resume();
        }
    }

    @Test
    void closingLetsAReaderWaitingForRoomGoOn() throws Exception {
        List<String> ids = pendingEntries(2);
        Acknowledger acks = new Acknowledger(bytes.async(), 5, Duration.ofMillis(10), 1);
        try {
            redis.pause();
            acks.ack(STREAM, GROUP, ids.get(0));
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    acks.awaitRoom(STREAM, GROUP, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            assertFalse(reader.join(Duration.ofMillis(300)), "the reader must wait for room");
            Thread closing = Thread.ofVirtual().start(acks::close); // its flush waits for the paused Redis
            assertTrue(reader.join(Duration.ofSeconds(2)), "a close must not leave a reader waiting for room");
            redis.resume();
            assertTrue(closing.join(Duration.ofSeconds(10)), "the close ends once Redis answers");
        } finally {
            redis.resume();
        }
    }

    @Test
    void acknowledgementsThatFailWhileRedisIsAwayAreSentOnceItIsBack() throws Exception {
        redis.close();
        client.shutdown();
        redis = RedisServer.start(RedisServer.Options.defaults().withAppendOnly(true));
        client = RedisClient.create(redis.uri());
        sync = client.connect().sync();
        List<String> ids = pendingEntries(50);
        // The runtime's own client: reconnects by itself, refuses commands while disconnected.
        RedisClient runtimeClient = RedisConnector.client(new RedisSettings(
                redis.uri(), Duration.ofSeconds(2), 1000, Duration.ofMillis(100), Duration.ofSeconds(1)));
        try (StatefulRedisConnection<byte[], byte[]> connection =
                        runtimeClient.connect(ByteArrayCodec.INSTANCE, io.lettuce.core.RedisURI.create(redis.uri()));
                Acknowledger acks = new Acknowledger(connection.async(), 10, Duration.ofMillis(10), 1000)) {
            redis.stop(); // the pending list is in the AOF
            await().atMost(10, TimeUnit.SECONDS).until(() -> !connection.isOpen());
            ids.subList(0, 25).forEach(id -> acks.ack(STREAM, GROUP, id));
            redis.restart();
            sync = client.connect().sync();
            ids.subList(25, 50).forEach(id -> acks.ack(STREAM, GROUP, id));
            await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> sync.xpending(STREAM, GROUP).getCount() == 0);
        } finally {
            runtimeClient.shutdown();
        }
    }

    /** XACKs Redis turned away (BUSY, a script running: the connection stays open). */
    private long rejectedXacks() {
        for (String line : sync.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_xack:")) {
                return Long.parseLong(line.replaceAll("^.*rejected_calls=(\\d+).*$", "$1"));
            }
        }
        return 0;
    }

    /**
     * A Redis that answers every XACK at once with an error it may get over (BUSY here; a dead
     * cluster node behind an open cluster connection the same way) is not hammered every flush
     * interval: the flusher pauses longer after each failure in a row (an outside check saw 512
     * XACKs in 3.4 s during a cluster failover), and sends everything once Redis answers again.
     */
    @Test
    void acknowledgementsThatRedisTurnsAwayAreResentWithAGrowingPause() throws Exception {
        List<String> ids = pendingEntries(20);
        sync.configSet("busy-reply-threshold", "50");
        StatefulRedisConnection<String, String> blocker = client.connect();
        blocker.async().eval("while true do end", io.lettuce.core.ScriptOutputType.STATUS);
        RedisCommands<String, String> killer = client.connect().sync();
        try (Acknowledger acks = new Acknowledger(bytes.async(), 10, Duration.ofMillis(10), 1000)) {
            await().atMost(10, TimeUnit.SECONDS).until(() -> {
                try {
                    killer.ping();
                    return false;
                } catch (io.lettuce.core.RedisBusyException e) {
                    return true;
                }
            });
            ids.forEach(id -> acks.ack(STREAM, GROUP, id));
            Thread.sleep(2000); // a window of refusals: without the pause, about 200 XACKs go out in it
            killer.scriptKill();
            await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> sync.xpending(STREAM, GROUP).getCount() == 0);
            long turnedAway = rejectedXacks();
            assertTrue(turnedAway >= 2, "the XACKs were refused while the script ran: " + turnedAway);
            assertTrue(turnedAway < 30, "XACKs sent into a busy Redis in 2 s: " + turnedAway);
        } finally {
            blocker.close();
        }
    }

    @Test
    void closeSendsWhatIsQueued() {
        List<String> ids = pendingEntries(3);
        Acknowledger acks = new Acknowledger(bytes.async(), 100, Duration.ofHours(1), 100);
        ids.forEach(id -> acks.ack(STREAM, GROUP, id)); // a partial batch, its interval far away
        acks.close();
        assertEquals(0, sync.xpending(STREAM, GROUP).getCount());
    }
}
