package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.cli.EventbusCommand;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The gRPC services handlers call, over TLS and mutual TLS with call credentials: real TLS gRPC
 * servers with certificates made at test time, the sample payments plugin as the build ships it
 * calling them through the channels the runtime lends, a real Redis for the events and dead letters.
 */
class GrpcServiceTlsIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final String SERVICE = "eventbus.grpc.services.\"orders.v1.OrderService\"";
    private static final String TOKEN = "orders-t0ken-for-eventbus";
    private static final String DLQ = "eventbus:dlq:mark-order-paid";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path certs;

    private static TestCertificates pki;
    private static TestCertificates stranger;
    private static Path tokenFile;

    @TempDir
    Path plugins;

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger rpcLogger = (Logger) LoggerFactory.getLogger("dev.eventbus.runtime");
    private SecureOrderService server;
    private EventbusRuntime runtime;
    private Streams streams;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.create(certs, "orders");
        stranger = TestCertificates.create(certs, "stranger");
        tokenFile = Files.writeString(certs.resolve("orders-token"), TOKEN + "\n");
    }

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        streams = new Streams(REDIS.uri());
        Files.copy(Path.of("target/test-plugins/payments-plugin.jar"), plugins.resolve("payments-plugin.jar"));
        logs.start();
        rpcLogger.addAppender(logs);
    }

    @AfterEach
    void tearDown() throws Exception {
        rpcLogger.detachAppender(logs);
        if (runtime != null) {
            runtime.stop();
        }
        streams.close();
        if (server != null) {
            server.close();
        }
    }

    /** Starts a runtime whose order service entry has these keys (target included). */
    private void start(Map<String, Object> service) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "eventbus.redis.uri",
                REDIS.uri(),
                "eventbus.plugins-dir",
                plugins.toString(),
                "eventbus.consumer-name",
                "tls-it",
                "eventbus.consumer.shutdown-grace",
                "5s",
                "eventbus.handlers.mark-order-paid.retry.max-attempts",
                2,
                "eventbus.handlers.mark-order-paid.retry.backoff.initial",
                "50ms",
                // A failed handshake counts as the service being unavailable: the event waits, its
                // attempts not counted, until retry.max-age; the circuit would pause reading meanwhile.
                "eventbus.handlers.mark-order-paid.retry.max-age",
                "1s",
                "eventbus.grpc.circuit-breaker.failure-threshold",
                0));
        service.forEach((key, value) -> settings.put(SERVICE + "." + key, value));
        runtime = new EventbusRuntime(
                ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings)),
                DeliveryObserver.NONE,
                Clock.systemUTC());
        runtime.start();
    }

    private void publishTopup(String order) {
        streams.publish(
                "wallet",
                Map.of(
                        "type",
                        "wallet.topup.succeeded",
                        "subject",
                        "w-1",
                        "id",
                        "evt-" + order,
                        "data",
                        "{\"orderId\":\"" + order + "\",\"walletId\":\"w-1\",\"amountCents\":100}"));
    }

    /** The only dead letter, once it is written. */
    private Map<String, String> theDeadLetter() throws InterruptedException {
        Streams.await("a dead letter", WAIT, () -> streams.redis().xlen(DLQ) == 1);
        Streams.await("nothing pending", WAIT, () -> streams.pending("wallet", "mark-order-paid") == 0);
        List<StreamMessage<String, String>> letters = streams.redis().xrange(DLQ, Range.create("-", "+"));
        return letters.get(0).getBody();
    }

    private Map<String, Object> mutualTls(TestCertificates trusted) {
        return new HashMap<>(Map.of(
                "target", "localhost:" + server.port(),
                "tls", true,
                "trust-ca-file", trusted.caCert.toString(),
                "cert-file", pki.clientCert.toString(),
                "key-file", pki.clientKey.toString(),
                "bearer-token-file", tokenFile.toString()));
    }

    private String logged() {
        StringBuilder all = new StringBuilder();
        for (ILoggingEvent e : logs.list) {
            all.append(e.getLevel()).append(' ').append(e.getFormattedMessage()).append('\n');
        }
        return all.toString();
    }

    @Test
    void overMutualTlsWithATokenAndMetadataThePaymentsPluginsCallsAreAnswered() throws Exception {
        server = new SecureOrderService("127.0.0.1", pki, pki.caCert, TOKEN);
        Path apiKey = Files.writeString(certs.resolve("api-key"), "k-123\n");
        Path password = Files.writeString(certs.resolve("key-password"), "pa55\n");
        Map<String, Object> service = mutualTls(pki);
        service.put("key-file", pki.encryptedClientKey("pa55").toString());
        service.put("key-password-file", password.toString());
        service.put("metadata-files", Map.of("x-api-key", apiKey.toString()));
        start(service);

        publishTopup("o-1");
        publishTopup("o-2");
        Streams.await("both orders paid", WAIT, () -> server.calls().size() == 2);
        Streams.await("nothing pending", WAIT, () -> streams.pending("wallet", "mark-order-paid") == 0);
        assertEquals(
                List.of("o-1", "o-2"),
                server.calls().stream()
                        .map(SecureOrderService.Call::orderId)
                        .sorted()
                        .toList());
        assertTrue(
                server.calls().stream().allMatch(c -> c.clientSubject().equals("CN=eventbus")),
                server.calls().toString());
        assertTrue(
                server.calls().stream().allMatch(c -> "k-123".equals(c.apiKey())),
                server.calls().toString());
        assertEquals(0, streams.redis().xlen(DLQ));
        assertTrue(!logged().contains(TOKEN) && !logged().contains("k-123") && !logged().contains("pa55"), logged());
    }

    @Test
    void anAuthorityOverrideVerifiesTheCertificateAgainstThatNameNotTheTargetsAddress() throws Exception {
        // 127.0.0.2 is on this machine, but the server's certificate names only localhost and 127.0.0.1.
        server = new SecureOrderService("127.0.0.2", pki, null, TOKEN);
        Map<String, Object> service = new HashMap<>(Map.of(
                "target",
                "127.0.0.2:" + server.port(),
                "tls",
                true,
                "trust-ca-file",
                pki.caCert.toString(),
                "bearer-token-file",
                tokenFile.toString()));
        start(service);
        publishTopup("o-mismatch");
        Map<String, String> letter = theDeadLetter();
        String message = letter.get("eventbus-error-message");
        assertTrue(
                message.startsWith("UNAVAILABLE: TLS handshake with 127.0.0.2:")
                        && message.contains(SERVICE + ".authority")
                        && message.contains("No subject alternative names matching IP address 127.0.0.2"),
                message);
        assertTrue(logged().contains("does not name the target's host"), logged());
        assertEquals(List.of(), server.calls());
        runtime.stop();
        runtime = null;

        service.put("authority", "localhost");
        start(service);
        publishTopup("o-authority");
        Streams.await("the order paid", WAIT, () -> server.calls().size() == 1);
        assertEquals("none", server.calls().get(0).clientSubject(), "TLS without a client certificate");
    }

    @Test
    void aServerSignedByAnotherCaIsRefusedAndTheCauseIsLoggedAndDeadLettered() throws Exception {
        server = new SecureOrderService("127.0.0.1", pki, pki.caCert, TOKEN);
        start(mutualTls(stranger));
        publishTopup("o-wrong-ca");
        Map<String, String> letter = theDeadLetter();
        assertEquals("rpc-status", letter.get("eventbus-reason"));
        String message = letter.get("eventbus-error-message");
        assertTrue(
                message.contains("not signed by a trusted CA")
                        && message.contains(SERVICE + ".trust-ca-file")
                        && !message.equals("UNAVAILABLE: io exception"),
                message);
        String logged = logged();
        assertTrue(
                logged.contains("WARN grpc service orders.v1.OrderService: TLS handshake with localhost:"
                        + server.port() + " failed: the service's certificate is not signed by a trusted CA; check "
                        + SERVICE + ".trust-ca-file (SunCertPathBuilderException"),
                logged);
        assertTrue(
                logged.contains("retry in")
                        && logged.contains("UNAVAILABLE: TLS handshake with localhost:"
                                + server.port()
                                + " failed: the service's certificate is not signed by a trusted CA; check "
                                + SERVICE + ".trust-ca-file"),
                "the retry's reason text says it too: " + logged);
        assertEquals(List.of(), server.calls());
    }

    @Test
    void withoutAClientCertificateAMutualTlsServiceRefusesAndSaysWhichKeysToSet() throws Exception {
        server = new SecureOrderService("127.0.0.1", pki, pki.caCert, TOKEN);
        Map<String, Object> service = mutualTls(pki);
        service.remove("cert-file");
        service.remove("key-file");
        start(service);
        publishTopup("o-no-cert");
        String message = theDeadLetter().get("eventbus-error-message");
        assertTrue(
                message.contains("wants a client certificate it trusts") && message.contains(SERVICE + ".cert-file"),
                message);
        assertTrue(
                logged().contains("wants a client certificate") && logged().contains("CERTIFICATE_REQUIRED"), logged());
        assertEquals(List.of(), server.calls());
    }

    @Test
    void aWrongTokenIsRefusedAsUnauthenticatedRetriedThenDeadLettered() throws Exception {
        server = new SecureOrderService("127.0.0.1", pki, pki.caCert, TOKEN);
        Map<String, Object> service = mutualTls(pki);
        service.put(
                "bearer-token-file",
                Files.writeString(certs.resolve("wrong-token"), "not-it").toString());
        start(service);
        publishTopup("o-wrong-token");
        Map<String, String> letter = theDeadLetter();
        assertEquals("rpc-status", letter.get("eventbus-reason"));
        assertEquals("2", letter.get("eventbus-attempts"), "UNAUTHENTICATED is not among the permanent codes");
        assertEquals("UNAUTHENTICATED: bad or missing bearer token", letter.get("eventbus-error-message"));
        assertEquals(List.of(Status.Code.UNAUTHENTICATED, Status.Code.UNAUTHENTICATED), server.refusals());
        assertEquals(List.of(), server.calls());
    }

    @Test
    void unimplementedBecauseAnotherServerHoldsThePortIsDeadLetteredAsAConfigurationProblem() throws Exception {
        // Some other gRPC server on the configured port: it answers, but not as the order service.
        Server other = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
        try {
            start(Map.of("target", "127.0.0.1:" + other.getPort()));
            publishTopup("o-other-server");
            Map<String, String> letter = theDeadLetter();
            assertEquals("rpc-status", letter.get("eventbus-reason"));
            assertEquals("1", letter.get("eventbus-attempts"), "UNIMPLEMENTED stays permanent");
            String message = letter.get("eventbus-error-message");
            assertTrue(
                    message.startsWith("UNIMPLEMENTED: ")
                            && message.contains("a configuration problem")
                            && message.contains("another process taken that port")
                            && message.contains(SERVICE + ".target"),
                    message);
        } finally {
            other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void configCheckNamesTheKeyAndTheFileOfAMissingOrUnparsableFile() throws Exception {
        Path missing = certs.resolve("no-such-ca.pem");
        Path notAKey = Files.writeString(certs.resolve("not-a-key.pem"), "hello\n");
        Path conf = Files.writeString(
                certs.resolve("bad.conf"),
                "eventbus { redis.uri = \"" + REDIS.uri() + "\"\n"
                        + "grpc.services { \"orders.v1.OrderService\" { target = \"orders.internal:50051\", tls = true,\n"
                        + "  trust-ca-file = \"" + missing + "\", cert-file = \"" + pki.clientCert + "\",\n"
                        + "  key-file = \"" + notAKey + "\", bearer-token-file = \"" + certs.resolve("no-token")
                        + "\" } } }\n");
        String[] check = cli("config", "check", "--config", conf.toString());
        assertEquals("2", check[0], check[1] + check[2]);
        assertTrue(check[2].contains(SERVICE + ".trust-ca-file: file " + missing + " does not exist"), check[2]);
        assertTrue(check[2].contains(SERVICE + ".key-file: file " + notAKey + " holds no PEM private key"), check[2]);
        assertTrue(
                check[2].contains(
                        SERVICE + ".bearer-token-file: file " + certs.resolve("no-token") + " does not exist"),
                check[2]);

        Path plaintext = Files.writeString(
                certs.resolve("plaintext.conf"),
                "eventbus { redis.uri = \"" + REDIS.uri()
                        + "\", grpc.services { \"orders.v1.OrderService\".target = \"orders.internal:50051\" } }\n");
        String[] ok = cli("config", "check", "--config", plaintext.toString());
        assertEquals("0", ok[0], ok[1] + ok[2]);
        assertTrue(
                ok[1].contains("# WARNING: calls to gRPC service orders.v1.OrderService at orders.internal:50051 "
                        + "are plaintext"),
                ok[1]);
    }

    /** {@code eventbus <args>} in this JVM: exit code, out, err. */
    private static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EventbusCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new String[] {Integer.toString(exit), out.toString(), err.toString()};
    }
}
