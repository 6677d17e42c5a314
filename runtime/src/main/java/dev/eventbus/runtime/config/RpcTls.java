package dev.eventbus.runtime.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The TLS material of one gRPC service: the CA to trust and, for mutual TLS, the client
 * certificate and key. Files only; they are checked when the configuration is loaded.
 *
 * @param caFile PEM CA certificates; empty = the JVM's default trust store
 * @param certFile PEM client certificate chain; present together with keyFile
 * @param keyFile PEM PKCS#8 private key of certFile
 * @param keyPassword password of an encrypted keyFile, empty when not encrypted; a secret: never
 *     shown (see {@link #toString()})
 */
public record RpcTls(Optional<Path> caFile, Optional<Path> certFile, Optional<Path> keyFile, String keyPassword) {

    /** No material: the JVM's trust store and no client certificate. */
    public static final RpcTls NONE = new RpcTls(Optional.empty(), Optional.empty(), Optional.empty(), "");

    /** Whether a client certificate is presented (mutual TLS). */
    public boolean mutual() {
        return certFile.isPresent() && keyFile.isPresent();
    }

    /** Without the key password. */
    @Override
    public String toString() {
        return "RpcTls[caFile=" + caFile.orElse(null) + ", certFile=" + certFile.orElse(null) + ", keyFile="
                + keyFile.orElse(null) + ", keyPassword=" + (keyPassword.isEmpty() ? "" : "***") + "]";
    }
}
