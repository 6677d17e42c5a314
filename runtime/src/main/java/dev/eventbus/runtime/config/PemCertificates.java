package dev.eventbus.runtime.config;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;

/**
 * Checks a PEM certificate file (a CA or a certificate chain) the way the TLS stack will read it:
 * when the configuration is loaded, and by the Redis client before each connection uses a file
 * again ({@code RedisTlsFiles}).
 *
 * <p>Stateless and thread-safe.
 */
public final class PemCertificates {

    private PemCertificates() {}

    /** What is wrong with the file's bytes, or {@code null} when they hold at least one certificate. */
    public static String problemIn(byte[] bytes) {
        try {
            return CertificateFactory.getInstance("X.509")
                            .generateCertificates(new ByteArrayInputStream(bytes))
                            .isEmpty()
                    ? "holds no PEM certificate"
                    : null;
        } catch (Exception e) {
            return "is not a PEM certificate file (" + e.getMessage() + ")";
        }
    }
}
