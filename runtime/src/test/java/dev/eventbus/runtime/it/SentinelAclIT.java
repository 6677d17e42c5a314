package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.redis.RedisSentinelSet;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * An ACL user reaches the primary through the sentinels, as on one node: the user in the URI, the
 * password in the URI or a password file. The nodes have no other user ({@code default} is off).
 */
class SentinelAclIT {

    private static final String USER = "eventbus";
    private static final String PASSWORD = "acl-pw-7";

    private static RedisSentinelSet redis;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRedis() {
        redis = RedisSentinelSet.start(RedisSentinelSet.Options.defaults().withUser(USER, PASSWORD));
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private static String uri(String userInfo) {
        return redis.uri().replace("redis-sentinel://", "redis-sentinel://" + userInfo + "@");
    }

    @Test
    void theUserOfTheUriWithThePasswordFromAFileHandlesEvents() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        Path passwordFile = Files.writeString(dir.resolve("redis-password"), PASSWORD + "\n");
        try (OrderServer orders = OrderServer.start(0);
                Streams streams = new Streams(uri(USER + ":" + PASSWORD))) {
            EventbusRuntime runtime = TestRuntimes.start(
                    uri(USER),
                    plugins,
                    orders,
                    "it-1",
                    Map.of("eventbus.redis.password-file", passwordFile.toString()));
            try {
                for (int i = 0; i < 10; i++) {
                    streams.publish("it-stream", Map.of("type", "it.recorded", "subject", "acl-" + i));
                }
                Streams.await("10 handled", Duration.ofSeconds(20), () -> orders.appliedCount() == 10);
                Streams.await(
                        "nothing pending", Duration.ofSeconds(10), () -> streams.pending("it-stream", "recorder") == 0);
            } finally {
                runtime.stop();
            }
        }
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureOfTheDataNodeNotAnUnreachableSentinel() throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(RedisConnector.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        log.addAppender(logs);
        AtomicBoolean stop = new AtomicBoolean();
        RedisSettings settings = new RedisSettings(
                uri(USER + ":wrong-pw"), Duration.ofSeconds(5), 1000, Duration.ofMillis(20), Duration.ofMillis(200));
        try (RedisConnector connector = new RedisConnector(settings)) {
            CompletableFuture<Object> result = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> result.complete(connector.connect("test", stop::get)));
            try {
                Streams.await(
                        "two attempts refused",
                        Duration.ofSeconds(30),
                        () -> lines(logs).stream()
                                        .filter(l -> l.contains("authentication failed"))
                                        .count()
                                >= 2);
            } finally {
                stop.set(true);
            }
            assertNull(result.get(30, TimeUnit.SECONDS), "stopped while the password is wrong");
        } finally {
            log.detachAppender(logs);
        }
        String line = lines(logs).get(0);
        assertTrue(line.contains("WRONGPASS"), line);
        assertTrue(line.contains("redis-sentinel://***@127.0.0.1:"), "redacted: " + line);
        assertFalse(
                lines(logs).stream().anyMatch(l -> l.contains("wrong-pw") || l.contains("unreachable")),
                lines(logs).toString());
    }

    private static List<String> lines(ListAppender<ILoggingEvent> logs) {
        synchronized (logs.list) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }
}
