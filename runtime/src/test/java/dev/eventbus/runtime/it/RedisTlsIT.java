package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.cli.EventbusCommand;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * TLS to Redis configured in Eventbus, not JVM-wide, against a real TLS-only redis-server with
 * {@code tls-auth-clients yes} and certificates made at test time: events are handled and
 * acknowledged over {@code rediss://} with the client certificate; without it, or trusting another
 * CA, nothing connects and the log says why; verification turned off is warned about.
 */
class RedisTlsIT {

    @TempDir
    static Path pkiDir;

    static TestCertificates pki;
    static TestCertificates stranger;
    static TlsRedis redis;

    @TempDir
    Path plugins;

    private OrderServer orders;
    private EventbusRuntime runtime;
    private final Logger log = (Logger) LoggerFactory.getLogger(RedisConnector.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void startTlsRedis() throws Exception {
        pki = TestCertificates.create(pkiDir, "eventbus-test");
        stranger = TestCertificates.create(pkiDir, "stranger");
        redis = TlsRedis.start(pki, pkiDir);
    }

    @AfterAll
    static void stopTlsRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void setUp() {
        orders = OrderServer.start(0);
        logs.start();
        log.addAppender(logs);
    }

    @AfterEach
    void tearDown() throws Exception {
        log.detachAppender(logs);
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
    }

    private Map<String, Object> tls(String uri) {
        Map<String, Object> settings = new HashMap<>();
        settings.put("eventbus.redis.uri", uri);
        settings.put("eventbus.redis.tls.ca-file", pki.caCert.toString());
        settings.put("eventbus.redis.tls.cert-file", pki.clientCert.toString());
        settings.put("eventbus.redis.tls.key-file", pki.clientKey.toString());
        return settings;
    }

    private static RedisSettings settings(Map<String, Object> values) {
        Map<String, Object> all = new HashMap<>(values);
        all.put("eventbus.redis.connect-backoff.initial", "20ms");
        all.put("eventbus.redis.connect-backoff.max", "200ms");
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(all)).redis();
    }

    private List<String> lines() {
        synchronized (logs.list) {
            return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** Tries to connect until two attempts failed; returns what connect returned once stopped. */
    private Object refusedTwice(RedisSettings settings) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (RedisConnector connector = new RedisConnector(settings)) {
            CompletableFuture<Object> result = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> result.complete(connector.connect("test", stop::get)));
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> lines().stream()
                                        .filter(l -> l.contains("retrying in"))
                                        .count()
                                >= 2);
            } finally {
                stop.set(true);
            }
            return result.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void eventsAreHandledAndAcknowledgedOverMutualTls() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        Map<String, Object> extra = tls(redis.uri());
        // Start-up waits for Redis; without working TLS it would wait for ever, so it gets a bound.
        runtime = assertTimeoutPreemptively(
                Duration.ofSeconds(60),
                () -> TestRuntimes.start(redis.uri(), plugins, orders, "tls-1", extra),
                "the runtime reached Redis over TLS");
        RedisSettings settings = settings(tls(redis.uri()));
        RedisClient client = RedisConnector.client(settings);
        try (StatefulRedisConnection<String, String> publisher =
                client.connect(StringCodec.UTF8, RedisConnector.uri(settings))) {
            int n = 20;
            for (int i = 0; i < n; i++) {
                publisher.sync().xadd("it-stream", Map.of("type", "it.recorded", "subject", "tls-" + i));
            }
            Awaitility.await("all handled over TLS")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> orders.appliedCount() == n);
            Awaitility.await("all acknowledged over TLS")
                    .atMost(Duration.ofSeconds(30))
                    .until(() ->
                            publisher.sync().xpending("it-stream", "recorder").getCount() == 0);
        } finally {
            client.shutdown();
        }
        assertFalse(lines().stream().anyMatch(l -> l.contains("does not verify")), lines().toString());
    }

    @Test
    void anEncryptedClientKeyIsReadWithItsPasswordFromAFile() throws Exception {
        Map<String, Object> values = tls(redis.uri());
        values.put(
                "eventbus.redis.tls.key-file",
                pki.encryptedClientKey("k3y-pass").toString());
        values.put(
                "eventbus.redis.tls.key-password-file",
                Files.writeString(pkiDir.resolve("key-password"), "k3y-pass\n").toString());
        try (RedisConnector connector = new RedisConnector(settings(values))) {
            var connection = connector.connect("test", () -> false);
            assertNotNull(connection);
            assertEquals("PONG", new String(connection.sync().ping()));
            connection.close();
        }
    }

    @Test
    void aClientWithoutItsCertificateIsRefusedAndTheLogSaysWhy() throws Exception {
        Map<String, Object> values = tls(redis.uri());
        values.remove("eventbus.redis.tls.cert-file");
        values.remove("eventbus.redis.tls.key-file");
        assertNull(refusedTwice(settings(values)), "never connected without a client certificate");
        String line = lines().get(0);
        assertTrue(line.contains("TLS") && line.contains("eventbus.redis.tls.cert-file"), line);
    }

    @Test
    void trustingAnotherCaFailsClosed() throws Exception {
        Map<String, Object> values = tls(redis.uri());
        values.put("eventbus.redis.tls.ca-file", stranger.caCert.toString());
        assertNull(refusedTwice(settings(values)), "never connected to a server the CA did not sign");
        String line = lines().get(0);
        assertTrue(line.contains("TLS") && line.contains("eventbus.redis.tls.ca-file"), line);
    }

    /** Runs an operator command with {@code values} as its config file: its exit code and stderr. */
    private Map.Entry<Integer, String> command(Map<String, Object> values, String... args) throws Exception {
        Map<String, Object> all = new HashMap<>(values);
        all.put("eventbus.plugins-dir", plugins.toString());
        Path config = Files.writeString(
                plugins.resolve("application.conf"),
                ConfigFactory.parseMap(all).root().render(ConfigRenderOptions.concise()));
        StringWriter err = new StringWriter();
        CommandLine cli = EventbusCommand.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        List<String> line = new java.util.ArrayList<>(List.of(args));
        line.addAll(List.of("--config", config.toString()));
        return Map.entry(cli.execute(line.toArray(String[]::new)), err.toString());
    }

    @Test
    void anOperatorCommandFacingAFailedHandshakeSaysWhichSettingToCheck() throws Exception {
        Map<String, Object> values = tls(redis.uri());
        values.put("eventbus.redis.tls.ca-file", stranger.caCert.toString());
        Map.Entry<Integer, String> result = command(values, "dlq", "list", "--handler", "h");
        assertEquals(1, result.getKey(), result.getValue());
        assertTrue(
                result.getValue().contains("cannot reach Redis at " + redis.uri() + ": TLS handshake failed: ")
                        && result.getValue().contains("check eventbus.redis.tls.ca-file"),
                result.getValue());
        values = tls(redis.uri());
        values.remove("eventbus.redis.tls.cert-file");
        values.remove("eventbus.redis.tls.key-file");
        result = command(values, "dlq", "list", "--handler", "h");
        assertEquals(1, result.getKey(), result.getValue());
        assertTrue(result.getValue().contains("check eventbus.redis.tls.cert-file and key-file"), result.getValue());
    }

    @Test
    void aPlainUriAtTheTlsOnlyPortHintsAtRedissWhereverTheFailureIsSaid() throws Exception {
        String plain = "redis://localhost:" + redis.port();
        String hint = "the server closed the connection at once: if it expects TLS, use rediss://";
        // status with no runtime at --admin reads Redis itself, as an operator at a TLS-only Redis does.
        Map.Entry<Integer, String> result =
                command(Map.of("eventbus.redis.uri", plain), "status", "--admin", "127.0.0.1:1");
        assertEquals(1, result.getKey(), result.getValue());
        assertTrue(
                result.getValue().contains("cannot reach Redis at " + plain + ": ")
                        && result.getValue().contains(hint),
                result.getValue());
        // The runtime's start-up loop, and readiness.
        RedisSettings settings = settings(Map.of("eventbus.redis.uri", plain));
        assertNull(refusedTwice(settings), "never connected in plain text to a TLS port");
        String line = lines().get(0);
        assertTrue(line.contains(hint), line);
        try (FailFastRedis ops = new FailFastRedis(settings)) {
            String unanswered = ops.unanswered(Duration.ofSeconds(5));
            assertTrue(unanswered.startsWith("does not answer") && unanswered.contains(hint), unanswered);
        }
    }

    @Test
    void aKeyTheTlsStackCannotReadIsAConfigErrorForEveryCommand() throws Exception {
        Path sec1 = pki.traditionalClientKey();
        Map<String, Object> values = tls(redis.uri());
        values.put("eventbus.redis.tls.key-file", sec1.toString());
        for (String[] args :
                List.of(new String[] {"config", "check"}, new String[] {"dlq", "list", "--handler", "h"}, new String[] {
                    "status", "--admin", "127.0.0.1:1"
                })) {
            Map.Entry<Integer, String> result = command(values, args);
            assertEquals(2, result.getKey(), String.join(" ", args) + ": " + result.getValue());
            assertTrue(
                    result.getValue().contains("redis.tls.key-file: file " + sec1)
                            && result.getValue().contains("convert it to PKCS#8"),
                    result.getValue());
            assertFalse(result.getValue().contains("\tat "), result.getValue());
        }
    }

    @Test
    void aKeyThatWentBadWhileRunningIsToldOnceAndTheKeyReadBeforeStillConnects() throws Exception {
        Path key = Files.copy(pki.clientKey, plugins.resolve("client.key"));
        Map<String, Object> values = tls(redis.uri());
        values.put("eventbus.redis.tls.key-file", key.toString());
        Logger files = (Logger) LoggerFactory.getLogger("dev.eventbus.runtime.consumer.RedisTlsFiles");
        Logger netty = (Logger) LoggerFactory.getLogger("io.netty");
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        files.addAppender(seen);
        netty.addAppender(seen);
        try (RedisConnector connector = new RedisConnector(settings(values))) {
            connector.connect("test", () -> false).close();
            Files.copy(pki.traditionalClientKey(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            for (int i = 0; i < 3; i++) {
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                var connection = connector.connect("test", () -> System.nanoTime() > deadline);
                assertNotNull(connection, "connected with the key read before");
                assertEquals("PONG", new String(connection.sync().ping()));
                connection.close();
            }
        } finally {
            files.detachAppender(seen);
            netty.detachAppender(seen);
        }
        List<ILoggingEvent> events = List.copyOf(seen.list);
        assertEquals(1, events.size(), events.toString());
        assertTrue(
                events.get(0)
                        .getFormattedMessage()
                        .contains("eventbus.redis.tls.key-file: file " + key + " holds an EC " + "PRIVATE KEY"),
                events.get(0).getFormattedMessage());
        assertNull(events.get(0).getThrowableProxy(), "no stack trace");
    }

    @Test
    void turningVerificationOffConnectsButWarnsAtEveryStart() throws Exception {
        Map<String, Object> values = tls(redis.uri() + "?verifyPeer=NONE");
        values.put("eventbus.redis.tls.ca-file", stranger.caCert.toString()); // ignored when nothing is verified
        RedisSettings settings = settings(values);
        assertTrue(settings.peerVerificationOff());
        for (int start = 1; start <= 2; start++) {
            try (RedisConnector connector = new RedisConnector(settings)) {
                var connection = connector.connect("test", () -> false);
                assertNotNull(connection);
                connection.close();
            }
            int starts = start;
            assertEquals(
                    starts,
                    lines().stream()
                            .filter(l -> l.contains("does not verify the server's certificate"))
                            .count(),
                    lines().toString());
        }
    }

    @Test
    void statusWarnsThatVerificationIsOffAndStillShowsWhatRedisHolds() throws Exception {
        Map<String, Object> values = tls(redis.uri());
        values.put("eventbus.redis.tls.verify", "none");
        values.put("eventbus.plugins-dir", plugins.toString());
        Path config = Files.writeString(
                plugins.resolve("application.conf"),
                ConfigFactory.parseMap(values).root().render(ConfigRenderOptions.concise()));
        for (boolean off : List.of(true, false)) {
            if (!off) {
                values.remove("eventbus.redis.tls.verify");
                Files.writeString(config, ConfigFactory.parseMap(values).root().render(ConfigRenderOptions.concise()));
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = EventbusCommand.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            // No runtime answers at 127.0.0.1:1: status reads Redis over TLS itself.
            int exit = cli.execute("status", "--json", "--admin", "127.0.0.1:1", "--config", config.toString());
            assertEquals(0, exit, out + "\n" + err);
            assertEquals(
                    off,
                    err.toString().contains("WARNING: TLS to Redis does not verify the server's certificate"),
                    err.toString());
            assertTrue(out.toString().startsWith("{") || out.toString().startsWith("["), out.toString());
        }
    }
}
