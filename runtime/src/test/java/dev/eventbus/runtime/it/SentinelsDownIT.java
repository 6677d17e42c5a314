package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.redis.RedisSentinelSet;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.HealthChecks;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Found from outside with sentinels down: Lettuce's own WARN lines, one per sentinel at every
 * connection made, flooded the log (and {@code status}'s stderr), and with all of them down
 * readiness said "the primary the sentinels name" of the primary its connection stayed on. The
 * runtime names the sentinels that do not answer, and why, in lines of its own; Lettuce's are not
 * logged (logback.xml); readiness says what the sentinels last answered, and stays up while the
 * primary answers.
 */
class SentinelsDownIT {

    @TempDir
    Path plugins;

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private RedisSentinelSet redis;
    private OrderServer orders;
    private EventbusRuntime runtime;

    @BeforeEach
    void setUp() throws Exception {
        logs.start();
        root.addAppender(logs);
        redis = RedisSentinelSet.start();
        orders = OrderServer.start(0);
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
    }

    @AfterEach
    void tearDown() {
        root.detachAppender(logs);
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
        redis.close();
    }

    private List<String> warnings(String logger) {
        synchronized (logs) {
            return logs.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .filter(e -> e.getLoggerName().equals(logger))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    private static String at(RedisServer server) {
        return "127.0.0.1:" + server.port();
    }

    @Test
    void sentinelsThatDoNotAnswerAreNamedWithWhyAndReadinessSaysWhatTheyLastAnswered() throws Exception {
        List<RedisServer> sentinels = redis.sentinels();
        RedisServer primary = redis.primary();
        sentinels.get(0).kill();
        runtime = TestRuntimes.start(redis.uri(), plugins, orders, "it-1", Map.of());

        // One down at start: one line of the runtime's, naming it and why.
        String oneDown =
                "1 of 3 sentinels does not answer: ConnectException: Connection refused (" + at(sentinels.get(0)) + ")";
        Streams.await(
                "the start-up line on the sentinel down",
                Duration.ofSeconds(10),
                () -> warnings("dev.eventbus.runtime.RedisPreflight").stream().anyMatch(l -> l.contains(oneDown)));

        String allDown = "no sentinel answers: ConnectException: Connection refused ("
                + sentinels.stream().map(SentinelsDownIT::at).collect(Collectors.joining(", ")) + ")";
        // Readiness through a client connected before the others go, as the admin server's.
        try (FailFastRedis ops = new FailFastRedis(runtime.config().redis())) {
            HealthChecks health = new HealthChecks(runtime.view(), ops, false, () -> true, Duration.ofMinutes(1));
            HealthChecks.Result ready = health.ready();
            assertTrue(ready.up(), ready.toString());
            assertEquals(
                    "answers at " + at(primary) + " (master), the primary the sentinels name; " + oneDown,
                    ready.checks().get("redis"));

            sentinels.get(1).kill();
            sentinels.get(2).kill();
            ready = health.ready();
            assertTrue(ready.up(), "the primary answers, events flow: " + ready);
            assertEquals(
                    "answers at " + at(primary) + " (master), the primary the sentinels named last; " + allDown,
                    ready.checks().get("redis"));
        }

        // A client that connects now: status, and the runtime's own connect loop. Lettuce gives the
        // last sentinel's reason only.
        String noneFound = "no sentinel answers: "
                + sentinels.stream().map(SentinelsDownIT::at).collect(Collectors.joining(", "))
                + " (the last: ConnectException: Connection refused)";
        OpsHarness.Cli status = OpsHarness.cliRaw("status", "--redis", redis.uri(), "--admin", "127.0.0.1:1");
        assertEquals(1, status.exit(), status.toString());
        assertTrue(status.err().contains(": " + noneFound), status.toString());
        try (RedisConnector connector = new RedisConnector(runtime.config().redis())) {
            AtomicInteger asked = new AtomicInteger();
            assertNull(connector.connect("commands", () -> asked.getAndIncrement() > 0));
        }
        assertTrue(
                warnings("dev.eventbus.runtime.consumer.RedisConnector").stream()
                        .anyMatch(l -> l.contains("unreachable (commands): " + noneFound)),
                warnings("dev.eventbus.runtime.consumer.RedisConnector").toString());

        assertEquals(
                List.of(),
                warnings("io.lettuce.core.RedisClient"),
                "Lettuce's own line per sentinel per connection is not logged");
    }
}
