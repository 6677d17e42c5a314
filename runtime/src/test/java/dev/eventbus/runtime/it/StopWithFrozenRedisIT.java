package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.HealthChecks;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop (SIGTERM) while Redis does not answer (frozen: SIGSTOP, connections open). Found from
 * outside: the stop first left the live set, waiting the whole command timeout (10 s) on Redis,
 * while the readers, not told yet, went on sending reads; only then were they stopped, and the stop
 * waited out the last read too (19 s in all). Now the readers are told first and the leave waits at
 * most 2 s.
 */
class StopWithFrozenRedisIT {

    private static final String STREAM = "it-stream";

    @TempDir
    Path plugins;

    private RedisServer redis;
    private OrderServer orders;
    private EventbusRuntime runtime;

    @BeforeEach
    void setUp() throws Exception {
        redis = RedisServer.start();
        orders = OrderServer.start(0);
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
    }

    @AfterEach
    void tearDown() {
        redis.resume(); // never leak a stopped redis-server, whatever failed
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
        redis.close();
    }

    @Test
    void aStopWhileRedisIsFrozenDoesNotWaitOutTheLeaveAndSendsNoMoreReads() throws Exception {
        runtime = TestRuntimes.start(
                redis.uri(),
                plugins,
                orders,
                "it-1",
                Map.of("eventbus.consumer.block", "500ms", "eventbus.consumer.shutdown-grace", "20s"));
        try (Streams streams = new Streams(redis.uri())) {
            for (int i = 0; i < 20; i++) {
                streams.publish(STREAM, Map.of("type", "it.recorded", "id", "e-" + i));
            }
        }
        Streams.await("events handled before the freeze", Duration.ofSeconds(20), () -> orders.appliedCount() >= 20);
        long readsBefore = xreadgroupCalls();

        try (FailFastRedis ops = new FailFastRedis(runtime.config().redis())) {
            ops.ping(Duration.ofSeconds(5)); // connected before the freeze, as a running admin side is
            redis.pause();
            // Readiness answers under a probe's usual 1 s timeout (it took 1 s, and a probe with
            // Kubernetes' default timed out instead of seeing the 503; found from outside).
            long asked = System.nanoTime();
            HealthChecks.Result ready =
                    new HealthChecks(runtime.view(), ops, false, () -> true, Duration.ofMinutes(1)).ready();
            Duration answered = Duration.ofNanos(System.nanoTime() - asked);
            assertFalse(ready.up(), ready.toString());
            assertEquals("does not answer", ready.checks().get("redis"), ready.toString());
            assertTrue(answered.compareTo(Duration.ofMillis(900)) < 0, "readiness answered after " + answered);
        }
        long t0 = System.nanoTime();
        runtime.stop();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        runtime = null;
        redis.resume();
        // Reads sent while frozen reach Redis once it runs again: a read already waiting at the
        // freeze (it times out, not answered) and none after the stop began.
        Thread.sleep(500);
        long readsDuring = xreadgroupCalls() - readsBefore;
        System.out.println(
                "STOP-FROZEN-REDIS | stop took " + took.toMillis() + " ms; reads sent meanwhile " + readsDuring);
        assertTrue(readsDuring <= 1, readsDuring + " reads reached Redis after the freeze");
        // The read in flight at the freeze waits out its timeout (10 s), the acknowledgements their
        // 5 s and the leave its 2 s, side by side in part; before: 10 s leave + 10 s read + 5 s.
        assertTrue(took.compareTo(Duration.ofSeconds(19)) < 0, "the stop took " + took);
    }

    private long xreadgroupCalls() {
        try (Streams streams = new Streams(redis.uri())) {
            String stats = streams.redis().info("commandstats");
            return stats.lines()
                    .filter(l -> l.startsWith("cmdstat_xreadgroup:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll(".*calls=(\\d+),.*", "$1")))
                    .sum();
        }
    }
}
