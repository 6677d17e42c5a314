package dev.eventbus.runtime.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The TLS material for Redis, set in Eventbus rather than JVM-wide: the CA to trust, the client
 * certificate and key for mutual TLS, and how the server is verified.
 *
 * @param caFile PEM CA certificates; empty = the JVM's default trust store
 * @param certFile PEM client certificate chain; present together with keyFile
 * @param keyFile PEM PKCS#8 private key of certFile
 * @param keyPassword password of an encrypted keyFile, empty when not encrypted; a secret: never
 *     shown (see {@link #toString()})
 * @param verify the mode set in {@code redis.tls.verify}; empty = the URI decides
 */
public record RedisTls(
        Optional<Path> caFile,
        Optional<Path> certFile,
        Optional<Path> keyFile,
        String keyPassword,
        Optional<Verification> verify) {

    /** No TLS material: the JVM's trust store, no client certificate, the URI's verification. */
    public static final RedisTls NONE =
            new RedisTls(Optional.empty(), Optional.empty(), Optional.empty(), "", Optional.empty());

    /** How a Redis server's certificate is checked. */
    public enum Verification {
        /** A trusted CA signed it and it names the host connected to. */
        FULL,
        /** A trusted CA signed it; any host name. */
        CA,
        /** Nothing is checked: anyone on the path can pose as Redis. */
        NONE;

        /**
         * From {@code full}, {@code ca}, {@code none}, any case (as Lettuce reads {@code verifyPeer},
         * which takes no {@code true} or {@code false}).
         */
        static Optional<Verification> parse(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "full" -> Optional.of(FULL);
                case "ca" -> Optional.of(CA);
                case "none" -> Optional.of(NONE);
                default -> Optional.empty();
            };
        }
    }

    /** Whether any TLS material is configured, so the client needs its own SSL options. */
    public boolean hasMaterial() {
        return caFile.isPresent() || certFile.isPresent();
    }

    /** Without the key password. */
    @Override
    public String toString() {
        return "RedisTls[caFile=" + caFile.orElse(null) + ", certFile=" + certFile.orElse(null) + ", keyFile="
                + keyFile.orElse(null) + ", keyPassword=" + (keyPassword.isEmpty() ? "" : "***") + ", verify="
                + verify.orElse(null) + "]";
    }
}
