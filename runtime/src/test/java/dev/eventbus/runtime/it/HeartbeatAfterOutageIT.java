package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * README, "Partitioned streams": an instance whose heartbeats failed during a Redis outage
 * heartbeats again as soon as its client sees Redis back, not after the back-off its ownership
 * loop grew meanwhile. Redis is stopped for 9 s, long enough for that back-off (250 ms doubling per
 * failure) to reach 8 s, and restarted: the instance's heartbeat must be back within 3 s.
 * Without the wake-up ({@code TopologyChanges.rewindOnChange} of the ownership loop, wired in
 * {@code EventbusRuntime}) it came 6,975 ms after the restart (263 ms with it), by which time its lease-ttl (3 s) had
 * dropped it from the live set.
 */
class HeartbeatAfterOutageIT {

    @RegisterExtension
    static final RedisExtension REDIS =
            new RedisExtension(RedisServer.Options.defaults().withAppendOnly(true));

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void anInstanceHeartbeatsAgainAsSoonAsRedisIsBackNotAfterItsGrownBackOff() throws Exception {
        env.start(
                "inst-a",
                Map.of(
                        "eventbus.streams.it-stream.partitions", 2,
                        "eventbus.handlers.recorder.ordered-by-subject", true,
                        "eventbus.ownership.lease-ttl", "3s",
                        "eventbus.ownership.renew-every", "250ms",
                        "eventbus.ownership.safety-margin", "1s",
                        // The client notices Redis back within this: the wait measured is the loop's.
                        "eventbus.redis.reconnect.max-delay", "200ms"));
        Streams.await("inst-a heartbeats", WAIT, () -> heartbeatAgeMillis("inst-a") < 1_000);

        REDIS.server().stop();
        Thread.sleep(9_000); // failed rounds at about 0, 0.25, 0.75, 1.75, 3.75 and 7.75 s: the next after 15.75 s
        long restarted = System.nanoTime(); // before: the time measured includes Redis's own start
        REDIS.server().restart();
        Streams.await("inst-a heartbeats again", WAIT, () -> heartbeatAgeMillis("inst-a") < 1_000);
        long tookMillis = (System.nanoTime() - restarted) / 1_000_000;
        System.out.println("HEARTBEAT-AFTER-OUTAGE: back " + tookMillis + " ms after the restart");

        assertTrue(
                tookMillis < 3_000,
                "the heartbeat came " + tookMillis + " ms after Redis was back: the ownership loop waited out "
                        + "its back-off instead of trying again when the connection was made");
    }

    /** How long ago, by the server's clock, the instance last heartbeat; max when never or Redis does not answer. */
    private static long heartbeatAgeMillis(String instance) {
        try {
            return heartbeatAge(instance);
        } catch (RuntimeException redisNotAnswering) {
            return Long.MAX_VALUE;
        }
    }

    private static long heartbeatAge(String instance) {
        Object score = REDIS.command("ZSCORE", InstanceRegistry.KEY, instance);
        if (score == null) {
            return Long.MAX_VALUE;
        }
        List<?> time = (List<?>) REDIS.command("TIME");
        long nowMillis = Long.parseLong(text(time.get(0))) * 1_000 + Long.parseLong(text(time.get(1))) / 1_000;
        return nowMillis - (long) Double.parseDouble(text(score));
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
