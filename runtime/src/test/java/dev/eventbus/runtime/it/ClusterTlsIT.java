package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.redis.RedisCluster;
import dev.eventbus.redis.ServerTls;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.fixtures.ClusterRecordingHandler;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code rediss-cluster://} on a real Redis Cluster of 3 primaries that speak only TLS (no plain
 * port; TLS on the cluster bus and for replication too), with the CA and full verification of
 * {@code redis.tls}: events of streams on all three primaries are handled and acknowledged; a CA
 * that did not sign the nodes' certificates is refused, and the log names the setting to check.
 */
class ClusterTlsIT {

    private static final int PER_STREAM = 20;

    @TempDir
    static Path dir;

    private static TestCertificates pki;
    private static TestCertificates stranger;
    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        pki = TestCertificates.create(dir, "cluster-tls");
        stranger = TestCertificates.create(dir, "stranger");
        cluster = RedisCluster.start(new RedisCluster.Options(3, 0, Duration.ofSeconds(1), List.of())
                .withTls(new ServerTls(pki.caCert, pki.serverCert, pki.serverKey)));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** {@code rediss-cluster://} to every node, by the address the nodes' certificate holds. */
    private static String uri() {
        return "rediss-cluster://"
                + cluster.seedUris().stream()
                        .map(u -> u.substring("rediss://".length()))
                        .collect(Collectors.joining(","));
    }

    private static Map<String, Object> tls(Path ca) {
        return new HashMap<>(Map.of(
                "eventbus.redis.tls.ca-file", ca.toString(),
                "eventbus.redis.tls.cert-file", pki.clientCert.toString(),
                "eventbus.redis.tls.key-file", pki.clientKey.toString(),
                "eventbus.redis.tls.verify", "full"));
    }

    @Test
    void eventsOnAllThreePrimariesAreHandledOverVerifiedTls() throws Exception {
        assertTrue(
                cluster.seedUris().stream().allMatch(u -> u.startsWith("rediss://")),
                cluster.seedUris().toString());
        Set<Integer> primaries = Stream.of(ClusterRecordingHandler.STREAMS)
                .map(s -> cluster.primaryOf(s).port())
                .collect(Collectors.toSet());
        assertEquals(3, primaries.size(), "the streams live on three primaries");

        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("clustered")
                .version("1.0.0")
                .extension(ClusterRecordingHandler.class)
                .build(plugins);
        RedisClusterClient client = RedisClusterClient.create(cluster.seedUris().stream()
                .map(u -> {
                    RedisURI seed = RedisURI.create(u);
                    seed.setVerifyPeer(io.lettuce.core.SslVerifyMode.FULL);
                    return seed;
                })
                .toList());
        client.setOptions(ClusterClientOptions.builder()
                .sslOptions(SslOptions.builder()
                        .jdkSslProvider()
                        .trustManager(pki.caCert.toFile())
                        .build())
                .build());
        try (OrderServer orders = OrderServer.start(0);
                StatefulRedisClusterConnection<String, String> publisher = client.connect()) {
            EventbusRuntime runtime = assertTimeoutPreemptively(
                    Duration.ofSeconds(60),
                    () -> TestRuntimes.start(uri(), plugins, orders, "tls-1", tls(pki.caCert)),
                    "the runtime reached the cluster over TLS");
            try {
                for (int i = 0; i < PER_STREAM; i++) {
                    for (String stream : ClusterRecordingHandler.STREAMS) {
                        publisher.sync().xadd(stream, Map.of("type", "it.recorded", "subject", stream + "-" + i));
                    }
                }
                int all = PER_STREAM * ClusterRecordingHandler.STREAMS.length;
                Streams.await("all handled over TLS", Duration.ofSeconds(60), () -> orders.appliedCount() == all);
                for (String stream : ClusterRecordingHandler.STREAMS) {
                    Streams.await(
                            "nothing pending on " + stream,
                            Duration.ofSeconds(30),
                            () -> publisher.sync().xpending(stream, "clustered").getCount() == 0);
                }
                assertTrue(runtime.view().isReady(), "ready");
            } finally {
                runtime.stop();
            }
        } finally {
            client.shutdown();
        }
    }

    @Test
    void aCaThatDidNotSignTheNodesIsRefusedAndTheLogSaysWhichSetting() throws Exception {
        Map<String, Object> values = tls(stranger.caCert);
        values.put("eventbus.redis.uri", uri());
        values.put("eventbus.redis.connect-backoff.initial", "20ms");
        values.put("eventbus.redis.connect-backoff.max", "200ms");
        RedisSettings settings = ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(values))
                .redis();
        Logger log = (Logger) LoggerFactory.getLogger(RedisConnector.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        log.addAppender(logs);
        AtomicBoolean stop = new AtomicBoolean();
        try (RedisConnector connector = new RedisConnector(settings)) {
            CompletableFuture<Object> result = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> result.complete(connector.connect("test", stop::get)));
            try {
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> lines(logs).size() >= 2);
            } finally {
                stop.set(true);
            }
            assertNull(result.get(30, TimeUnit.SECONDS), "never connected to nodes the CA did not sign");
        } finally {
            log.detachAppender(logs);
        }
        String line = lines(logs).get(0);
        assertTrue(
                line.contains("TLS handshake failed")
                        && line.contains("not signed by a trusted CA: check eventbus.redis.tls.ca-file"),
                line);
        assertFalse(line.contains("unreachable"), line);
        // Readiness says it the same way, not as the JDK's whole chain of causes (found from outside).
        try (FailFastRedis ops = new FailFastRedis(settings)) {
            String unanswered = ops.unanswered(Duration.ofSeconds(5));
            assertTrue(
                    unanswered.startsWith("does not answer: TLS handshake failed: ")
                            && unanswered.contains("check eventbus.redis.tls.ca-file"),
                    unanswered);
        }
    }

    @Test
    void aPlainClusterUriAtTlsOnlyNodesHintsAtRedissCluster() throws Exception {
        String plain = "redis-cluster://" + uri().substring("rediss-cluster://".length());
        Path config = Files.writeString(
                dir.resolve("plain.conf"),
                "eventbus.redis.uri = \"" + plain + "\"\neventbus.plugins-dir = \""
                        + Files.createDirectories(dir.resolve("plain-plugins")) + "\"\n");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = dev.eventbus.runtime.cli.EventbusCommand.commandLine();
        cli.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
        cli.setErr(new java.io.PrintWriter(err, true));
        int exit = cli.execute("status", "--admin", "127.0.0.1:1", "--config", config.toString());
        assertEquals(1, exit, err.toString());
        assertTrue(
                err.toString().contains("cannot reach Redis at " + plain + ": ")
                        && err.toString()
                                .contains("the server closed the connection at once: if it expects TLS, use "
                                        + "rediss-cluster://"),
                err.toString());
    }

    private static List<String> lines(ListAppender<ILoggingEvent> logs) {
        synchronized (logs.list) {
            return logs.list.stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .filter(l -> l.contains("retrying in"))
                    .toList();
        }
    }
}
