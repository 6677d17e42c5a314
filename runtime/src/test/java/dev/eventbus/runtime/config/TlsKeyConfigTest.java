package dev.eventbus.runtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.it.TestCertificates;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The private keys of {@code eventbus.redis.tls} and {@code eventbus.admin.tls} are checked when the
 * configuration is loaded, as the TLS stack will read them (Netty: PKCS#8, RSA, EC or DSA, opened with
 * its password): a key it would refuse at the first handshake is a configuration error naming the
 * key and the file, for every command. Real keys made with openssl; each verdict is checked against
 * Netty itself, so the check cannot drift from what the handshake accepts.
 */
class TlsKeyConfigTest {

    @TempDir
    static Path dir;

    private static TestCertificates pki;
    private static Path encrypted;
    private static Path sec1;
    private static Path pkcs1;
    private static Path ed25519;
    private static Path garbage;
    private static Path rightPassword;
    private static Path wrongPassword;

    @BeforeAll
    static void keys() throws Exception {
        pki = TestCertificates.create(dir, "keys");
        encrypted = pki.encryptedClientKey("s3cret");
        sec1 = pki.traditionalClientKey();
        pkcs1 = pki.rsaPkcs1Key();
        ed25519 = pki.ed25519Key();
        garbage = Files.writeString(dir.resolve("garbage.key"), "not a key at all\n");
        rightPassword = Files.writeString(dir.resolve("right-password"), "s3cret\n");
        wrongPassword = Files.writeString(dir.resolve("wrong-password"), "nope\n");
    }

    /** Where each kind of TLS is set: the prefix of its keys, and the other keys it needs. */
    enum Side {
        REDIS("eventbus.redis.tls", Map.of("eventbus.redis.uri", "rediss://redis.internal:6380")),
        ADMIN("eventbus.admin.tls", Map.of());

        final String prefix;
        final Map<String, Object> base;

        Side(String prefix, Map<String, Object> base) {
            this.prefix = prefix;
            this.base = base;
        }

        /** A key of this TLS as messages name it. */
        String shown(String key) {
            return prefix + "." + key;
        }

        RuntimeConfig load(Path key, Map<String, String> password) {
            Map<String, Object> settings = new LinkedHashMap<>(base);
            settings.put(prefix + ".cert-file", pki.clientCert.toString());
            settings.put(prefix + ".key-file", key.toString());
            password.forEach((name, value) -> settings.put(prefix + "." + name, value));
            return ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings));
        }

        String refused(Path key, Map<String, String> password) {
            return assertThrows(InvalidConfigException.class, () -> load(key, password), key + " " + password)
                    .getMessage();
        }
    }

    /** Whether Netty, which reads the key at the handshake, can use it with this password. */
    private static boolean nettyReads(Path key, String password) {
        try {
            SslContextBuilder.forClient()
                    .keyManager(pki.clientCert.toFile(), key.toFile(), password)
                    .build();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** A key the TLS stack refuses: the file, the password settings, what the message must say after "file F ". */
    record Refused(String name, Supplier<Path> key, Map<String, String> password, String problem) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Stream<Arguments> refusedKeys() {
        List<Refused> cases = List.of(
                new Refused(
                        "RSA PKCS#1",
                        () -> pkcs1,
                        Map.of(),
                        "holds an RSA PRIVATE KEY (PKCS#1/SEC1): convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt"),
                new Refused(
                        "EC SEC1", () -> sec1, Map.of(), "holds an EC PRIVATE KEY (PKCS#1/SEC1): convert it to PKCS#8"),
                new Refused("garbage", () -> garbage, Map.of(), "holds no PEM private key"),
                new Refused(
                        "Ed25519",
                        () -> ed25519,
                        Map.of(),
                        "holds a PRIVATE KEY block that is not an RSA, EC or DSA key"),
                new Refused(
                        "wrong password from a file",
                        () -> encrypted,
                        Map.of("key-password-file", "WRONG_PASSWORD_FILE"),
                        "cannot be decrypted with the password of %s.key-password-file (or key-password) "
                                + "(wrong password?)"),
                new Refused(
                        "wrong password inline",
                        () -> encrypted,
                        Map.of("key-password", "nope"),
                        "cannot be decrypted with the password of %s.key-password-file"),
                new Refused(
                        "encrypted without its password",
                        () -> encrypted,
                        Map.of(),
                        "is encrypted: set its password with %s.key-password-file"),
                new Refused(
                        "a password for a key not encrypted",
                        () -> pki.clientKey,
                        Map.of("key-password", "s3cret"),
                        "is not encrypted, but %s.key-password-file (or key-password) gives a password"));
        return Stream.of(Side.values()).flatMap(side -> cases.stream().map(c -> Arguments.of(side, c)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("refusedKeys")
    void aKeyTheTlsStackCannotReadIsAConfigErrorNamingTheKeyTheFileAndTheFix(Side side, Refused refused) {
        Path key = refused.key().get();
        Map<String, String> password = new LinkedHashMap<>();
        refused.password()
                .forEach((name, value) ->
                        password.put(name, value.equals("WRONG_PASSWORD_FILE") ? wrongPassword.toString() : value));
        String expected = side.shown("key-file") + ": file " + key + " "
                + refused.problem().formatted(side.prefix);
        String message = side.refused(key, password);
        assertTrue(message.contains(expected), "expected \"" + expected + "\" in: " + message);
    }

    @Test
    void theTlsStackRefusesTheseKeysToo() {
        for (Path refused : new Path[] {pkcs1, sec1, garbage, ed25519}) {
            assertFalse(nettyReads(refused, null), refused + " is read by Netty");
        }
        assertFalse(nettyReads(encrypted, "nope"), "Netty opens the key with a wrong password");
        assertFalse(nettyReads(encrypted, null), "Netty opens an encrypted key without its password");
        assertFalse(nettyReads(pki.clientKey, "s3cret"), "Netty reads a plain key when given a password");
    }

    @Test
    void aKeyTheTlsStackReadsIsAccepted() {
        for (Side side : Side.values()) {
            assertEquals(
                    Optional.of(pki.clientKey),
                    side == Side.REDIS
                            ? side.load(pki.clientKey, Map.of()).redis().tls().keyFile()
                            : side.load(pki.clientKey, Map.of())
                                    .operations()
                                    .admin()
                                    .tls()
                                    .keyFile());
            side.load(encrypted, Map.of("key-password-file", rightPassword.toString()));
            side.load(encrypted, Map.of("key-password", "s3cret"));
        }
        assertTrue(nettyReads(pki.clientKey, null));
        assertTrue(nettyReads(encrypted, "s3cret"));
    }
}
