package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.config.RedisTls;
import dev.eventbus.runtime.it.TestCertificates;
import io.lettuce.core.SslOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The Redis client reads its TLS files again for every connection, through {@link RedisTlsFiles}: a
 * key that went bad after start is never handed to Netty (which would log a stack trace at every
 * reconnect); the key read before is used and one warning line says what is wrong.
 */
class RedisTlsFilesTest {

    @TempDir
    static Path pkiDir;

    private static TestCertificates pki;
    private static Path sec1;

    @TempDir
    Path dir;

    private Path key;
    private final Logger log = (Logger) LoggerFactory.getLogger(RedisTlsFiles.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestCertificates.create(pkiDir, "files");
        sec1 = pki.traditionalClientKey();
    }

    @BeforeEach
    void setUp() throws Exception {
        key = Files.copy(pki.clientKey, dir.resolve("client.key"));
        logs.start();
        log.addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        log.detachAppender(logs);
    }

    private RedisTls tls(Path keyFile) {
        return new RedisTls(
                Optional.of(pki.caCert), Optional.of(pki.clientCert), Optional.of(keyFile), "", Optional.empty());
    }

    private static byte[] read(SslOptions.Resource resource) throws Exception {
        try (InputStream in = resource.get()) {
            return in.readAllBytes();
        }
    }

    private List<ILoggingEvent> events() {
        synchronized (logs.list) {
            return List.copyOf(logs.list);
        }
    }

    @Test
    void aKeyThatCannotBeUsedWhenTheClientIsMadeIsAConfigErrorNamingIt() {
        String message = assertThrows(InvalidConfigException.class, () -> new RedisTlsFiles(tls(sec1)))
                .getMessage();
        assertTrue(
                message.contains("eventbus.redis.tls.key-file: file " + sec1 + " holds an EC PRIVATE KEY (PKCS#1/SEC1)")
                        && message.contains("openssl pkcs8 -topk8"),
                message);
    }

    @Test
    void aKeyThatWentBadAfterStartIsNotHandedToNettyAndIsReportedOnceWithoutAStackTrace() throws Exception {
        RedisTlsFiles files = new RedisTlsFiles(tls(key));
        byte[] good = Files.readAllBytes(key);
        assertArrayEquals(good, read(files.key()));

        Files.copy(sec1, key, StandardCopyOption.REPLACE_EXISTING);
        for (int connection = 0; connection < 3; connection++) {
            assertArrayEquals(good, read(files.key()), "the key read before");
            assertArrayEquals(Files.readAllBytes(pki.clientCert), read(files.certificate()));
        }
        List<ILoggingEvent> warnings =
                events().stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        String line = warnings.get(0).getFormattedMessage();
        assertTrue(
                line.contains("eventbus.redis.tls.key-file: file " + key + " holds an EC PRIVATE KEY (PKCS#1/SEC1)")
                        && line.contains("as they were last read"),
                line);
        assertNull(warnings.get(0).getThrowableProxy(), "no stack trace");

        Files.copy(pki.clientKey, key, StandardCopyOption.REPLACE_EXISTING);
        assertArrayEquals(good, read(files.key()));
        assertTrue(
                events().getLast().getFormattedMessage().contains("usable again"),
                events().getLast().getFormattedMessage());
        Files.copy(sec1, key, StandardCopyOption.REPLACE_EXISTING);
        read(files.key());
        assertEquals(
                2, events().stream().filter(e -> e.getLevel() == Level.WARN).count(), "a new problem is told again");
    }

    @Test
    void aKeyThatWentBadIsReportedOnceHoweverManyClientsReadIt() throws Exception {
        // The runtime has several Redis clients, each reading the files for its own connections:
        // reconnecting all at once (CLIENT KILL USER eventbus) logged the same warning once each.
        SslOptions shared = RedisConnector.sslOptions(tls(key));
        SslOptions reader = RedisConnector.sslOptions(tls(key));
        Files.writeString(key, "garbage\n");
        for (int reconnect = 0; reconnect < 3; reconnect++) {
            shared.createSslContextBuilder().build();
            reader.createSslContextBuilder().build();
        }
        List<ILoggingEvent> warnings =
                events().stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).getFormattedMessage().contains("file " + key + " holds no PEM private key"));

        Files.copy(pki.clientKey, key, StandardCopyOption.REPLACE_EXISTING);
        shared.createSslContextBuilder().build();
        reader.createSslContextBuilder().build();
        assertEquals(
                1,
                events().stream()
                        .filter(e -> e.getFormattedMessage().contains("usable again"))
                        .count(),
                events().toString());
        Files.writeString(key, "garbage\n");
        reader.createSslContextBuilder().build();
        shared.createSslContextBuilder().build();
        assertEquals(
                2,
                events().stream().filter(e -> e.getLevel() == Level.WARN).count(),
                "went bad again: told again, once");
    }

    @Test
    void theClientsSslOptionsStillMakeAContextWhenTheKeyFileWentBad() throws Exception {
        SslOptions options = RedisConnector.sslOptions(tls(key));
        options.createSslContextBuilder().build();
        Files.copy(sec1, key, StandardCopyOption.REPLACE_EXISTING);
        options.createSslContextBuilder().build(); // what Lettuce does for every new connection
        // Lettuce reading the file itself hands the bad key to Netty, which fails every connection.
        SslOptions reading = SslOptions.builder()
                .jdkSslProvider()
                .keyManager(pki.clientCert.toFile(), key.toFile(), null)
                .build();
        assertThrows(IllegalArgumentException.class, reading::createSslContextBuilder);
    }
}
