package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on both admin ports, with certificates made at test time and the server's key encrypted (its
 * password from a file): clients that trust the CA are answered, plaintext and untrusting clients
 * are not, and the operator commands reach the TLS port with the configured CA or {@code --admin-ca}.
 */
class AdminTlsIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final String TOKEN = "t0ken-over-tls";

    @TempDir
    Path dir;

    private OpsHarness harness;

    @AfterEach
    void tearDown() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void bothAdminPortsServeTlsAndTheCliReachesThem() throws Exception {
        REDIS.command("FLUSHALL");
        Path certs = Files.createDirectories(dir.resolve("certs"));
        TestCertificates pki = TestCertificates.create(certs, "admin");
        TestCertificates other = TestCertificates.create(certs, "other");
        Path key = encrypted(pki.serverKey, "key-pw-1");
        Path password = Files.writeString(certs.resolve("key-password"), "key-pw-1\n");
        harness = OpsHarness.create(
                Files.createDirectories(dir.resolve("h")),
                REDIS.uri(),
                Map.of(
                        "eventbus.admin.token", TOKEN,
                        "eventbus.admin.tls.cert-file", pki.serverCert.toString(),
                        "eventbus.admin.tls.key-file", key.toString(),
                        "eventbus.admin.tls.key-password-file", password.toString(),
                        "eventbus.admin.tls.ca-file", pki.caCert.toString()));
        harness.start();
        int http = harness.operations().httpPort();
        int grpc = harness.operations().grpcPort();

        // HTTPS with a client that trusts the CA.
        try (HttpClient client =
                HttpClient.newBuilder().sslContext(trusting(pki.caCert)).build()) {
            HttpResponse<String> ready = client.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + http + "/health/ready"))
                            .header("Authorization", "Bearer " + TOKEN)
                            .timeout(Duration.ofSeconds(20))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
        }
        // Plaintext to the TLS port gets no HTTP answer; a client trusting another CA fails the handshake.
        assertThrows(IOException.class, () -> harness.get("/health/ready", TOKEN));
        try (HttpClient client =
                HttpClient.newBuilder().sslContext(trusting(other.caCert)).build()) {
            assertThrows(
                    IOException.class,
                    () -> client.send(
                            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + http + "/health/ready"))
                                    .timeout(Duration.ofSeconds(20))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()));
        }

        // gRPC health over TLS (it follows readiness within its one-second refresh); not in plaintext.
        ChannelCredentials trusting = TlsChannelCredentials.newBuilder()
                .trustManager(pki.caCert.toFile())
                .build();
        OpsHarness.await(
                "gRPC health SERVING over TLS",
                Duration.ofSeconds(60),
                () -> health(grpc, trusting) == ServingStatus.SERVING);
        StatusRuntimeException plain =
                assertThrows(StatusRuntimeException.class, () -> health(grpc, InsecureChannelCredentials.create()));
        assertEquals(Status.Code.UNAVAILABLE, plain.getStatus().getCode());

        // The CLI: the config's CA, then --admin-ca (the right one, then another).
        String admin = harness.adminAddress();
        OpsHarness.Cli status = harness.cli("status", "--admin", admin);
        assertEquals(0, status.exit(), status.toString());
        assertTrue(status.out().startsWith("runtime at " + admin), status.out());
        OpsHarness.Cli reload =
                harness.cli("plugins", "reload", "ops-fixtures", "--admin", admin, "--admin-ca", pki.caCert.toString());
        assertEquals(0, reload.exit(), reload.toString());
        OpsHarness.Cli wrongCa = harness.cli(
                "plugins", "reload", "ops-fixtures", "--admin", admin, "--admin-ca", other.caCert.toString());
        assertEquals(1, wrongCa.exit(), wrongCa.toString());
        assertTrue(wrongCa.err().contains("did not answer"), wrongCa.err());
        OpsHarness.Cli missingCa = harness.cli(
                "plugins",
                "reload",
                "ops-fixtures",
                "--admin",
                admin,
                "--admin-ca",
                certs.resolve("nope.crt").toString());
        assertEquals(2, missingCa.exit(), missingCa.toString());

        // The key password given inline is never shown.
        Path inline = Files.writeString(
                dir.resolve("inline.conf"),
                "eventbus.admin.tls { cert-file = \"" + pki.serverCert + "\", key-file = \"" + key
                        + "\", key-password = key-pw-1 }\n");
        OpsHarness.Cli show = OpsHarness.cliRaw("config", "show", "--config", inline.toString());
        assertEquals(0, show.exit(), show.toString());
        assertTrue(!show.out().contains("key-pw-1") && show.out().contains("***"), show.out());
    }

    @Test
    void aKeyThatCannotBeReadStopsTheStartWithTheSettingToCheck() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        TestCertificates pki = TestCertificates.create(certs, "admin");
        harness = OpsHarness.create(
                Files.createDirectories(dir.resolve("h")),
                REDIS.uri(),
                Map.of(
                        "eventbus.admin.tls.cert-file", pki.serverCert.toString(),
                        "eventbus.admin.tls.key-file",
                                encrypted(pki.serverKey, "key-pw-1").toString()));
        // A configuration error (exit 2), found when the configuration is loaded.
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class, harness::startOperations, "an encrypted key without its password");
        assertTrue(
                e.getMessage().contains("admin.tls.key-file: file ")
                        && e.getMessage()
                                .contains("is encrypted: set its password with eventbus.admin.tls.key-password-file"),
                e.getMessage());
        assertFalse(e.getMessage().contains("key-pw-1"));
    }

    private static ServingStatus health(int port, ChannelCredentials credentials) {
        ManagedChannel channel =
                Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
        try {
            return HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(20, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    private static SSLContext trusting(Path ca) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            store.setCertificateEntry(
                    "ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** The key encrypted (PKCS#8, AES-256) with the password, by the openssl CLI. */
    private static Path encrypted(Path key, String password) throws Exception {
        Path out = key.resolveSibling(key.getFileName() + ".enc");
        Process p = new ProcessBuilder(List.of(
                        "openssl",
                        "pkcs8",
                        "-topk8",
                        "-in",
                        key.toString(),
                        "-out",
                        out.toString(),
                        "-v2",
                        "aes-256-cbc",
                        "-passout",
                        "pass:" + password))
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, output);
        return out;
    }
}
