package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.config.PemCertificates;
import dev.eventbus.runtime.config.PemKeys;
import dev.eventbus.runtime.config.RedisTls;
import io.lettuce.core.SslOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PEM files of {@code eventbus.redis.tls} as the Redis client reads them: again for every
 * connection it opens (a renewed certificate is used from the next connection on), but checked
 * first. Netty would log a stack trace for a file it cannot use at every connection attempt, and
 * the client retries without end; so a file that went bad after start (a key replaced by a PKCS#1
 * one, a wrong password, a file half written) is never handed to it: the files read before are used
 * and one warning line names the file, what is wrong and how to fix it, once for each problem
 * however many clients read the files ({@link TlsFileProblems}).
 *
 * <p>Thread-safe.
 */
final class RedisTlsFiles {

    private static final Logger LOG = LoggerFactory.getLogger(RedisTlsFiles.class);

    /** The settings that give the key's password, for the messages. */
    private static final String PASSWORD_KEYS = "eventbus.redis.tls.key-password-file (or key-password)";

    private final RedisTls tls;
    private final TlsFileProblems told;
    private final Object lock = new Object();
    private Contents current; // guarded by lock

    /** The bytes of each file; empty for a file not configured. */
    private record Contents(byte[] ca, byte[] cert, byte[] key) {

        boolean same(Contents other) {
            return Arrays.equals(ca, other.ca) && Arrays.equals(cert, other.cert) && Arrays.equals(key, other.key);
        }
    }

    /** What is wrong with one of the files, naming its setting. */
    private static final class Unusable extends Exception {
        Unusable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @throws InvalidConfigException when a file cannot be used now (it passed when the configuration
     *     was loaded, so it changed since)
     */
    RedisTlsFiles(RedisTls tls) {
        this(tls, TlsFileProblems.PROCESS);
    }

    /** @param told the problems already warned about, shared with the process's other clients */
    RedisTlsFiles(RedisTls tls, TlsFileProblems told) {
        this.tls = tls;
        this.told = told;
        try {
            this.current = check(read());
        } catch (Unusable e) {
            throw new InvalidConfigException(e.getMessage());
        }
    }

    /** The CA file, read at each call. */
    SslOptions.Resource ca() {
        return () -> new ByteArrayInputStream(current().ca());
    }

    /** The client certificate chain, read at each call. */
    SslOptions.Resource certificate() {
        return () -> new ByteArrayInputStream(current().cert());
    }

    /** The client key, read at each call. */
    SslOptions.Resource key() {
        return () -> new ByteArrayInputStream(current().key());
    }

    /** The files as they are now when usable, else as they were last usable (after one warning). */
    private Contents current() {
        synchronized (lock) {
            try {
                Contents now = read();
                if (!now.same(current)) {
                    current = check(now);
                }
                if (told.usableAgain(tls)) {
                    LOG.info("eventbus.redis.tls: the files are usable again; new connections use them");
                }
            } catch (Unusable e) {
                if (told.tell(tls, e.getMessage())) {
                    LOG.warn(
                            "{}; new connections to Redis use the TLS files as they were last read until it is fixed",
                            e.getMessage());
                }
            }
            return current;
        }
    }

    private Contents read() throws Unusable {
        return new Contents(
                read("ca-file", tls.caFile()), read("cert-file", tls.certFile()), read("key-file", tls.keyFile()));
    }

    private static byte[] read(String key, Optional<Path> file) throws Unusable {
        if (file.isEmpty()) {
            return new byte[0];
        }
        try {
            return Files.readAllBytes(file.get());
        } catch (IOException | RuntimeException e) {
            throw new Unusable("eventbus.redis.tls." + key + ": file " + file.get() + " cannot be read ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private Contents check(Contents files) throws Unusable {
        if (tls.caFile().isPresent()) {
            certificates("ca-file", tls.caFile().get(), files.ca());
        }
        if (tls.certFile().isPresent()) {
            certificates("cert-file", tls.certFile().get(), files.cert());
        }
        if (tls.keyFile().isPresent()) {
            String problem = PemKeys.problemIn(
                    new String(files.key(), StandardCharsets.US_ASCII), tls.keyPassword(), PASSWORD_KEYS);
            if (problem != null) {
                throw new Unusable(
                        "eventbus.redis.tls.key-file: file " + tls.keyFile().get() + " " + problem);
            }
        }
        return files;
    }

    private static void certificates(String key, Path file, byte[] bytes) throws Unusable {
        String problem = PemCertificates.problemIn(bytes);
        if (problem != null) {
            throw new Unusable("eventbus.redis.tls." + key + ": file " + file + " " + problem);
        }
    }
}
