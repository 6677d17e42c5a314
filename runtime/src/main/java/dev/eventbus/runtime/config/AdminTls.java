package dev.eventbus.runtime.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS on the admin ports: the certificate and key both admin servers present, and the CA the
 * operator commands trust when they call the admin gRPC port.
 *
 * @param certFile PEM certificate chain of the admin servers; present together with keyFile
 * @param keyFile PEM PKCS#8 private key of certFile
 * @param keyPassword password of an encrypted keyFile, empty when not encrypted; a secret: never
 *     shown (see {@link #toString()})
 * @param caFile PEM CA the operator commands verify the admin port with; empty = the JVM's trust
 *     store (when the port serves TLS)
 */
public record AdminTls(Optional<Path> certFile, Optional<Path> keyFile, String keyPassword, Optional<Path> caFile) {

    /** Plaintext admin ports. */
    public static final AdminTls NONE = new AdminTls(Optional.empty(), Optional.empty(), "", Optional.empty());

    /** Whether the admin servers serve TLS. */
    public boolean serves() {
        return certFile.isPresent() && keyFile.isPresent();
    }

    /** Whether a client of the admin port (the operator commands) should speak TLS to it. */
    public boolean clientUsesTls() {
        return serves() || caFile.isPresent();
    }

    /** Without the key password. */
    @Override
    public String toString() {
        return "AdminTls[certFile=" + certFile.orElse(null) + ", keyFile=" + keyFile.orElse(null) + ", keyPassword="
                + (keyPassword.isEmpty() ? "" : "***") + ", caFile=" + caFile.orElse(null) + "]";
    }
}
