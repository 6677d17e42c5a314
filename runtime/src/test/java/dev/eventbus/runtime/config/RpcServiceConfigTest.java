package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.it.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS, authority and call-credential keys of {@code eventbus.grpc}, against real PEM files. */
class RpcServiceConfigTest {

    private static final String ORDERS = "eventbus.grpc.services.\"orders.v1.OrderService\"";

    @TempDir
    static Path dir;

    private static TestCertificates pki;
    private static Path encryptedKey;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.create(dir, "unit");
        encryptedKey = pki.encryptedClientKey("s3cret");
    }

    private static RpcServiceSettings orders(String entry) {
        return ConfigLoader.load(Optional.empty(), ConfigFactory.parseString(ORDERS + " { " + entry + " }"))
                .services()
                .get("orders.v1.OrderService");
    }

    private static String refused(String entry) {
        return assertThrows(InvalidConfigException.class, () -> orders(entry), entry)
                .getMessage();
    }

    private static Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    private static String q(Path p) {
        return "\"" + p + "\"";
    }

    @Test
    void everyKeyIsReadAndNoSecretIsShown() throws Exception {
        Path token = file("token", "t0ken-value\n");
        Path apiKey = file("api-key", "k3y-value\n");
        Path password = file("key-password", "s3cret\n");
        RpcServiceSettings s = orders("target = \"10.0.0.7:50051\", tls = true, trust-ca-file = " + q(pki.caCert)
                + ", cert-file = " + q(pki.clientCert) + ", key-file = " + q(encryptedKey)
                + ", key-password-file = " + q(password) + ", authority = orders.internal"
                + ", bearer-token-file = " + q(token) + ", metadata-files { x-api-key = " + q(apiKey) + " }");
        assertTrue(s.tls());
        assertEquals(Optional.of(pki.caCert), s.tlsMaterial().caFile());
        assertTrue(s.tlsMaterial().mutual());
        assertEquals("s3cret", s.tlsMaterial().keyPassword());
        assertEquals("orders.internal", s.authority());
        assertEquals("t0ken-value", s.callCredentials().bearerToken());
        assertEquals(Map.of("x-api-key", "k3y-value"), s.callCredentials().metadata());
        assertFalse(s.plaintextOverNetwork());
        String shown = s.toString();
        assertFalse(shown.contains("s3cret") || shown.contains("t0ken") || shown.contains("k3y"), shown);
        assertTrue(shown.contains("x-api-key"), shown);
    }

    @Test
    void anUnencryptedKeyAndDefaultsForEveryServiceAreRead() throws Exception {
        Path team = file("team", "payments");
        RuntimeConfig c = ConfigLoader.load(
                Optional.empty(),
                ConfigFactory.parseString("eventbus.grpc.defaults { tls = true, trust-ca-file = " + q(pki.caCert)
                        + ", cert-file = "
                        + q(pki.clientCert) + ", key-file = " + q(pki.clientKey) + ", metadata-files { x-team = "
                        + q(team) + " } }\n"
                        + ORDERS + ".target = \"localhost:1\""));
        RpcTls tls = c.services().get("orders.v1.OrderService").tlsMaterial();
        assertTrue(tls.mutual());
        assertEquals("", tls.keyPassword());
        assertEquals(
                Map.of("x-team", "payments"),
                c.services().get("orders.v1.OrderService").callCredentials().metadata());
    }

    @Test
    void aMissingOrUnparsableFileIsAnErrorNamingTheKeyAndTheFile() throws Exception {
        Path notPem = file("not.pem", "hello");
        Path missing = dir.resolve("missing.pem");
        Path pkcs1 = file("pkcs1.key", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        Path empty = file("empty-token", "\n");
        Path wrongPassword = file("wrong-password", "nope");
        String mutual = "target = \"localhost:1\", tls = true, cert-file = " + q(pki.clientCert) + ", key-file = ";
        Map<String, String> cases = Map.of(
                "target = \"localhost:1\", tls = true, trust-ca-file = " + q(missing),
                ORDERS + ".trust-ca-file: file " + missing + " does not exist or cannot be read",
                "target = \"localhost:1\", tls = true, trust-ca-file = " + q(notPem),
                ORDERS + ".trust-ca-file: file " + notPem + " ",
                "target = \"localhost:1\", tls = true, key-file = " + q(pki.clientKey) + ", cert-file = " + q(notPem),
                ORDERS + ".cert-file: file " + notPem + " ",
                mutual + q(notPem),
                ORDERS + ".key-file: file " + notPem + " holds no PEM private key",
                mutual + q(pkcs1),
                ORDERS + ".key-file: file " + pkcs1 + " holds an RSA PRIVATE KEY (PKCS#1/SEC1)",
                mutual + q(encryptedKey),
                ORDERS + ".key-file: file " + encryptedKey + " is encrypted",
                mutual + q(encryptedKey) + ", key-password-file = " + q(wrongPassword),
                ORDERS + ".key-file: file " + encryptedKey + " cannot be decrypted",
                "target = \"localhost:1\", bearer-token-file = " + q(missing),
                ORDERS + ".bearer-token-file: file " + missing + " does not exist",
                "target = \"localhost:1\", bearer-token-file = " + q(empty),
                ORDERS + ".bearer-token-file: file " + empty + " is empty",
                "target = \"localhost:1\", metadata-files { x-api-key = " + q(missing) + " }",
                ORDERS + ".metadata-files.x-api-key: file " + missing + " does not exist");
        cases.forEach((entry, expected) -> {
            String message = refused(entry);
            assertTrue(message.contains(expected), "expected \"" + expected + "\" in: " + message);
        });
    }

    @Test
    void tlsFilesWithoutTlsAndCredentialsInClearOverTheNetworkAreRefused() throws Exception {
        Path token = file("token2", "t");
        assertTrue(refused("target = \"localhost:1\", trust-ca-file = " + q(pki.caCert))
                .contains("names TLS files but tls = false"));
        assertTrue(refused("target = \"localhost:1\", tls = true, cert-file = " + q(pki.clientCert))
                .contains("cert-file and key-file go together"));
        assertTrue(refused("target = \"orders.internal:50051\", bearer-token-file = " + q(token))
                .contains("would cross the network in clear"));
        assertEquals(
                "t",
                orders("target = \"127.0.0.1:50051\", bearer-token-file = " + q(token))
                        .callCredentials()
                        .bearerToken(),
                "plaintext to a sidecar on this machine may carry a token");
    }

    @Test
    void headerNamesAndValuesAreChecked() throws Exception {
        Path value = file("value", "v");
        Path twoLines = file("two-lines", "a\nb");
        Path token = file("token3", "t");
        assertTrue(refused("target = \"localhost:1\", metadata-files { \"X-Key\" = " + q(value) + " }")
                .contains("header X-Key must be lower-case"));
        assertTrue(refused("target = \"localhost:1\", metadata-files { key-bin = " + q(value) + " }")
                .contains("binary header"));
        assertTrue(refused("target = \"localhost:1\", metadata-files { idempotency-key = " + q(value) + " }")
                .contains("reserved"));
        assertTrue(refused("target = \"localhost:1\", metadata-files { x-key = " + q(twoLines) + " }")
                .contains("line break"));
        assertTrue(refused("target = \"localhost:1\", bearer-token-file = " + q(token)
                        + ", metadata-files { authorization = " + q(value) + " }")
                .contains("set one of them"));
        assertTrue(refused("target = \"localhost:1\", authority = \"orders internal/x\"")
                .contains(".authority must be a host name"));
        assertTrue(refused("target = \"localhost:1\", key-password = x").contains("unknown key"));
    }

    @Test
    void onlyTargetsOnThisMachineCountAsLoopback() {
        for (String local : new String[] {
            "localhost:50051",
            "127.0.0.1:1",
            "127.1.2.3:1",
            "[::1]:50051",
            "dns:///localhost:50051",
            "unix:/run/orders.sock",
            "orders.localhost:1"
        }) {
            assertTrue(RpcTargets.isLoopback(local), local);
        }
        for (String remote : new String[] {
            "orders.internal:50051",
            "10.0.0.7:1",
            "[2001:db8::1]:50051",
            "dns:///orders:50051",
            "dns://8.8.8.8/localhost.evil.com:1",
            "xds:///orders",
            "0.0.0.0:1"
        }) {
            assertFalse(RpcTargets.isLoopback(remote), remote);
        }
        assertTrue(orders("target = \"orders.internal:50051\"").plaintextOverNetwork());
        assertFalse(orders("target = \"localhost:50051\"").plaintextOverNetwork());
        assertFalse(orders("target = \"orders.internal:50051\", tls = true").plaintextOverNetwork());
    }
}
