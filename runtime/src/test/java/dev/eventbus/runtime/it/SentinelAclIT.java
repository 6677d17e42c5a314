package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.redis.RedisSentinelSet;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    /** The live status (admin API, as {@code status} prints it) names the primary each stream is on. */
    @Test
    void theLiveStatusNamesThePrimaryTheSentinelsName() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        try (OrderServer orders = OrderServer.start(0);
                Streams streams = new Streams(uri(USER + ":" + PASSWORD))) {
            Map<String, Object> settings = new HashMap<>(Map.of(
                    "eventbus.redis.uri",
                    uri(USER + ":" + PASSWORD),
                    "eventbus.plugins-dir",
                    plugins.toString(),
                    "eventbus.consumer-name",
                    "it-2",
                    "eventbus.consumer.shutdown-grace",
                    "2s",
                    "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                    orders.target(),
                    "eventbus.admin.http-port",
                    0,
                    "eventbus.admin.grpc-port",
                    0,
                    "eventbus.admin.audit-log",
                    dir.resolve("audit.log").toString()));
            AdminSurface admin = new AdminSurface(
                    ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings)), Clock.systemUTC());
            EventbusRuntime runtime = admin.newRuntime();
            try {
                admin.start(runtime);
                runtime.start();
                streams.publish("it-stream", Map.of("type", "it.recorded", "subject", "live-1"));
                Streams.await("handled", Duration.ofSeconds(20), () -> orders.appliedCount() == 1);
                String primary = "127.0.0.1:" + redis.primary().port() + " (master)";
                String live = "127.0.0.1:" + admin.grpcPort();
                OpsHarness.Cli text = OpsHarness.cliRaw("status", "--admin", live);
                assertTrue(
                        text.out()
                                .lines()
                                .anyMatch(l -> l.matches(
                                        "recorder\\s+it-stream\\s+.*\\s" + java.util.regex.Pattern.quote(primary))),
                        text.toString());
                OpsHarness.Cli json = OpsHarness.cliRaw("status", "--admin", live, "--json");
                JsonNode row = new ObjectMapper()
                        .readTree(json.out())
                        .get("subscriptions")
                        .get(0);
                assertEquals(primary, row.get("node").asText(), json.out());
                assertTrue(row.get("following").isNull(), json.out());
            } finally {
                admin.stopping();
                runtime.stop();
                admin.close();
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
