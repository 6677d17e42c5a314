package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rediss-sentinel://}: TLS to the sentinel and to the primary it names, with the CA, client
 * certificate and full verification of {@code redis.tls}, against a TLS-only primary that demands
 * client certificates and a sentinel that answers on TLS (and reaches the primary over TLS).
 */
class SentinelTlsIT {

    @TempDir
    Path dir;

    @Test
    void eventsAreHandledThroughATlsSentinelAndATlsPrimary() throws Exception {
        TestCertificates pki = TestCertificates.create(dir, "sentinel-tls");
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        try (TlsRedis primary = TlsRedis.start(pki, Files.createDirectories(dir.resolve("primary")));
                TlsSentinel sentinel =
                        TlsSentinel.start(pki, primary.port(), Files.createDirectories(dir.resolve("s")));
                OrderServer orders = OrderServer.start(0)) {
            // The sentinel names the primary by IP; the certificate holds 127.0.0.1, so full verification holds.
            String uri = "rediss-sentinel://localhost:" + sentinel.tlsPort + "#tls-primary";
            Map<String, Object> tls = new HashMap<>(Map.of(
                    "eventbus.redis.tls.ca-file", pki.caCert.toString(),
                    "eventbus.redis.tls.cert-file", pki.clientCert.toString(),
                    "eventbus.redis.tls.key-file", pki.clientKey.toString(),
                    "eventbus.redis.tls.verify", "full"));
            EventbusRuntime runtime = assertTimeoutPreemptively(
                    Duration.ofSeconds(60),
                    () -> TestRuntimes.start(uri, plugins, orders, "tls-1", tls),
                    "the runtime reached Redis over TLS");
            try {
                Map<String, Object> all = new HashMap<>(tls);
                all.put("eventbus.redis.uri", uri);
                RedisSettings settings = ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(all))
                        .redis();
                RedisClient client = RedisConnector.client(settings);
                try (StatefulRedisConnection<String, String> publisher =
                        client.connect(StringCodec.UTF8, RedisConnector.uri(settings))) {
                    for (int i = 0; i < 20; i++) {
                        publisher.sync().xadd("it-stream", Map.of("type", "it.recorded", "subject", "tls-" + i));
                    }
                    Streams.await("all handled over TLS", Duration.ofSeconds(30), () -> orders.appliedCount() == 20);
                    Streams.await(
                            "nothing pending",
                            Duration.ofSeconds(10),
                            () -> publisher
                                            .sync()
                                            .xpending("it-stream", "recorder")
                                            .getCount()
                                    == 0);
                    assertEquals(
                            String.valueOf(primary.port()),
                            publisher.sync().configGet("tls-port").get("tls-port"),
                            "the publisher, too, landed on the TLS primary through the sentinel");
                } finally {
                    client.shutdown();
                }
            } finally {
                runtime.stop();
            }
        }
    }

    /** One sentinel answering on a TLS port (and a plain one, for the launcher's readiness probe). */
    private static final class TlsSentinel implements AutoCloseable {

        final int tlsPort;
        private final RedisServer server;

        private TlsSentinel(int tlsPort, RedisServer server) {
            this.tlsPort = tlsPort;
            this.server = server;
        }

        static TlsSentinel start(TestCertificates pki, int primaryPort, Path dir) throws IOException {
            int tlsPort;
            try (ServerSocket s = new ServerSocket(0)) {
                tlsPort = s.getLocalPort();
            }
            Path config = Files.writeString(
                    dir.resolve("sentinel.conf"),
                    String.join(
                            "\n",
                            "tls-port " + tlsPort,
                            "tls-cert-file " + pki.serverCert,
                            "tls-key-file " + pki.serverKey,
                            "tls-ca-cert-file " + pki.caCert,
                            "tls-auth-clients no",
                            // The sentinel reaches the primary over TLS, presenting its certificate.
                            "tls-replication yes",
                            "sentinel monitor tls-primary 127.0.0.1 " + primaryPort + " 1",
                            ""));
            return new TlsSentinel(
                    tlsPort,
                    RedisServer.start(RedisServer.Options.defaults()
                            .withDataDir(dir)
                            .withConfigFile(config)
                            .withExtraArgs("--sentinel")));
        }

        @Override
        public void close() {
            server.stop();
        }
    }
}
