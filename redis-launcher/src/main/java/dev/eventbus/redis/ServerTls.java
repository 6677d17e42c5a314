package dev.eventbus.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a node needs to speak only TLS: its certificate and key, and the CA its peers' certificates
 * are checked against (PEM files, e.g. made with {@code openssl} by the test). The node listens on
 * no plain port ({@code --port 0}); clients may present a certificate ({@code tls-auth-clients
 * optional}). The launcher's own probes trust this CA, and only it. Immutable and thread-safe.
 */
public final class ServerTls {

    private final Path caCert;
    private final Path cert;
    private final Path key;
    private volatile SSLSocketFactory probeSockets;

    /**
     * @param caCert the CA certificate (PEM) that signed the node's certificate
     * @param cert the node's certificate (PEM); it must name 127.0.0.1 for clients that verify names
     * @param key the node's private key (PEM)
     */
    public ServerTls(Path caCert, Path cert, Path key) {
        this.caCert = Objects.requireNonNull(caCert, "caCert");
        this.cert = Objects.requireNonNull(cert, "cert");
        this.key = Objects.requireNonNull(key, "key");
    }

    public Path caCert() {
        return caCert;
    }

    /** The arguments that make {@code redis-server} speak only TLS, on {@code port}. */
    List<String> serverArgs(int port) {
        return List.of(
                "--port", "0",
                "--tls-port", Integer.toString(port),
                "--tls-cert-file", cert.toString(),
                "--tls-key-file", key.toString(),
                "--tls-ca-cert-file", caCert.toString(),
                "--tls-auth-clients", "optional");
    }

    /** The arguments that make {@code redis-cli} reach such a node. */
    List<String> cliArgs() {
        return List.of("--tls", "--cacert", caCert.toString());
    }

    /** Sockets for the launcher's probes: TLS, trusting the CA only. */
    SSLSocketFactory probeSockets() {
        SSLSocketFactory sockets = probeSockets;
        if (sockets == null) {
            sockets = trusting(caCert);
            probeSockets = sockets;
        }
        return sockets;
    }

    private static SSLSocketFactory trusting(Path caCert) {
        try (InputStream in = Files.newInputStream(caCert)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the CA certificate " + caCert + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "ServerTls[ca " + caCert + ", cert " + cert + "]";
    }
}
