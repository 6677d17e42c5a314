package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Consumer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reclaimer removes ghost consumers (of no live instance, by the heartbeats) and only those,
 * and a ghost only once a live instance claimed what it held: removing a consumer drops its pending
 * entries from the group, so a ghost removed too early would lose them for good.
 */
class GhostConsumersIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    @Test
    void aGhostKeepsItsConsumerUntilALiveInstanceClaimedItsEntriesAndGoesThenNotAnHourLater() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        for (int i = 0; i < 3; i++) {
            env.publish("it-stream", Map.of("type", "it.recorded", "subject", "ghost-" + i));
        }
        // Two instances that died (they never heartbeat): one holding the 3 entries, one nothing.
        env.streams().readWithoutAck("it-stream", "recorder", "dead-1");
        createConsumer("dead-empty");
        assertEquals(Map.of("dead-1", 3L, "dead-empty", 0L), consumers());

        // First a live instance that claims nothing (claim-idle an hour away). delete-idle-consumers-after
        // stays at its hour too: a ghost goes by the heartbeats, not by idle time.
        EventbusRuntime first = env.start(
                "it-live", Map.of("eventbus.recovery.claim-idle", "1h", "eventbus.recovery.interval", "100ms"));
        Streams.await(
                "the ghost with nothing pending removed (a removal pass ran)",
                Duration.ofSeconds(30),
                () -> !consumers().containsKey("dead-empty"));
        Thread.sleep(1000); // ten more passes
        assertEquals(3L, consumers().get("dead-1"), "a ghost whose entries nobody claimed keeps them: " + consumers());
        assertEquals(0, env.orders().appliedCount());
        first.stop();

        // Then one that claims them (idle past claim-idle): the ghost goes once they are its.
        env.start("it-live", Map.of("eventbus.recovery.claim-idle", "500ms", "eventbus.recovery.interval", "100ms"));
        Streams.await(
                "the ghost's entries claimed and handled",
                Duration.ofSeconds(30),
                () -> env.orders().appliedCount() == 3);
        Streams.await(
                "the ghost removed once nothing is pending on it",
                Duration.ofSeconds(10),
                () -> !consumers().containsKey("dead-1"));
        Streams.await(
                "nothing pending", Duration.ofSeconds(10), () -> env.streams().pending("it-stream", "recorder") == 0);
        assertTrue(consumers().containsKey("it-live"), "the live instance's own consumer stays");
        assertEquals(3, env.orders().distinctKeys().size());
    }

    @Test
    void aLiveInstancesIdleConsumerIsNeverRemoved() throws Exception {
        env.streams().createGroup("it-stream", "recorder");
        createConsumer("live-idle");
        createConsumer("dead-empty");
        assertEquals(Map.of("live-idle", 0L, "dead-empty", 0L), consumers());
        // Another instance: it heartbeats as a runtime does (first before the runtime starts), and its
        // consumer reads nothing.
        heartbeat(env.streams(), "live-idle");
        AtomicBoolean beating = new AtomicBoolean(true);
        Thread heartbeat = Thread.ofPlatform().daemon(true).start(() -> {
            try (Streams own = new Streams(REDIS.uri())) {
                while (beating.get()) {
                    heartbeat(own, "live-idle");
                    Thread.sleep(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            env.start(
                    "it-live",
                    Map.of(
                            "eventbus.recovery.interval", "100ms",
                            "eventbus.recovery.delete-idle-consumers-after", "300ms"));
            Streams.await(
                    "the ghost removed (a removal pass ran)",
                    Duration.ofSeconds(30),
                    () -> !consumers().containsKey("dead-empty"));
            Thread.sleep(1500); // fifteen more passes, the live consumer idle far past 300 ms
            assertTrue(
                    consumers().containsKey("live-idle"),
                    "a consumer of a live instance is kept however idle: " + consumers());
        } finally {
            beating.set(false);
            heartbeat.join(5000);
        }
    }

    /** A consumer with nothing pending (an XREADGROUP that returns nothing makes none on Redis 7.0). */
    private void createConsumer(String name) {
        env.streams().redis().xgroupCreateconsumer("it-stream", Consumer.from("recorder", name));
    }

    /** Records a heartbeat of {@code instance} at the Redis server's time, as a runtime does. */
    private static void heartbeat(Streams redis, String instance) {
        List<String> time = redis.redis().time();
        long now = Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
        redis.redis().zadd(InstanceRegistry.KEY, now, instance);
    }

    /** The group's consumers and what each has pending. */
    private Map<String, Long> consumers() {
        Map<String, Long> pending = new HashMap<>();
        for (Object info : env.streams().redis().xinfoConsumers("it-stream", "recorder")) {
            List<?> kv = (List<?>) info;
            Map<String, Object> fields = new HashMap<>();
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                fields.put(String.valueOf(kv.get(i)), kv.get(i + 1));
            }
            pending.put(String.valueOf(fields.get("name")), ((Number) fields.get("pending")).longValue());
        }
        return pending;
    }
}
