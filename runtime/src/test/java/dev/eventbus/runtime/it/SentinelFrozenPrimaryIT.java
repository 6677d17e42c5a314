package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.redis.RedisSentinelSet;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A Sentinel-watched primary that freezes while the runtime reads from it (SIGSTOP: its connections
 * stay open, so nothing tells the client; a network cut that keeps them open looks the same). The
 * sentinels promote the replica, and the runtime must move its connections there by itself: Lettuce
 * asks the sentinels only when a connection is made, and none breaks.
 */
class SentinelFrozenPrimaryIT {

    private static final String STREAM = "it-stream";

    @TempDir
    Path plugins;

    private final Logger followLog =
            (Logger) LoggerFactory.getLogger("dev.eventbus.runtime.consumer.SentinelPrimaryLog");
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private RedisSentinelSet redis;
    private OrderServer orders;
    private EventbusRuntime runtime;
    private FaultProducer producer;
    private RedisServer frozen;

    @BeforeEach
    void setUp() throws Exception {
        logs.start();
        followLog.addAppender(logs);
        redis = RedisSentinelSet.start();
        orders = OrderServer.start(0);
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
    }

    @AfterEach
    void tearDown() {
        followLog.detachAppender(logs);
        if (producer != null) {
            producer.close();
        }
        if (frozen != null) {
            frozen.resume(); // never leak a stopped redis-server, whatever failed
        }
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
        redis.close();
    }

    @Test
    void aPrimaryFrozenWhileTheRuntimeReadsIsLeftForTheNodeTheSentinelsPromote() throws Exception {
        runtime = TestRuntimes.start(
                redis.uri(),
                plugins,
                orders,
                "it-1",
                Map.of(
                        // An acknowledgement lost with the frozen primary leaves its entry pending on
                        // the new one: the janitor takes it back after claim-idle (short here).
                        "eventbus.recovery.claim-idle", "2s",
                        "eventbus.recovery.interval", "200ms",
                        "eventbus.redis.reconnect.max-delay", "500ms"));
        DeliveryOracle oracle = new DeliveryOracle("sentinel: primary frozen (SIGSTOP)", orders, true);
        producer = new FaultProducer(STREAM, redis::uri, 1, oracle).start();
        Streams.await("events flowing before the fault", Duration.ofSeconds(20), () -> orders.appliedCount() >= 100);

        frozen = redis.primary();
        Instant frozenAt = Instant.now();
        frozen.pause();
        RedisServer promoted = redis.awaitFailover(frozen, Duration.ofSeconds(60));
        oracle.faultNow(); // from the promotion: what the runtime itself takes to follow
        Duration promotion = Duration.between(frozenAt, Instant.now());
        assertNotEquals(frozen.port(), promoted.port());
        producer.replicas(0); // the promoted node has no replica left while the old primary is frozen
        int handledAtPromotion = orders.appliedCount();

        Instant promotedAt = Instant.now();
        Streams.await(
                "an event handled after the promotion",
                Duration.ofSeconds(60),
                () -> orders.appliedCount() > handledAtPromotion);
        Duration toFollow = Duration.between(promotedAt, Instant.now());
        Streams.await(
                "events handled again after the promotion",
                Duration.ofSeconds(60),
                () -> orders.appliedCount() >= handledAtPromotion + 50);
        producer.close();
        oracle.awaitSurvivorsHandled(Duration.ofSeconds(90), r -> List.of());
        oracle.assertVerdict();
        System.out.println("SENTINEL-FROZEN-PRIMARY | promotion " + promotion.toMillis()
                + " ms after the SIGSTOP, reading again " + toFollow.toMillis() + " ms after it");
        oracle.printRow();
        assertTrue(runtime.view().readersAlive(), "the same runtime, never restarted, still reading");
        assertEquals(
                1,
                logs.list.stream()
                        .map(ILoggingEvent::getFormattedMessage)
                        .filter(l -> l.contains("followed a failover") && l.contains("127.0.0.1:" + promoted.port()))
                        .count(),
                "the move logged once: " + logs.list);
        // The reader's read to the frozen node times out after its BLOCK + 2 s, the sentinels are
        // asked then and every second after, and the connections on the frozen node are dropped
        // once they name another: about 3 s, more on a busy machine. Before, nothing moved them
        // while the node stayed frozen (no event in 20 s).
        assertTrue(
                toFollow.compareTo(Duration.ofSeconds(15)) < 0,
                "the runtime read from the promoted replica " + toFollow + " after the promotion");
    }
}
