package dev.eventbus.runtime.consumer;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import dev.eventbus.runtime.config.RedisSettings;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Tells a failed TLS handshake with Redis from network trouble, and says which setting to look at:
 * an untrusted server certificate, a host name the certificate does not hold, or a server that
 * wants a client certificate. Like a wrong password, waiting will not fix these; the operator has to.
 *
 * <p>The runtime's connect loop logs it; the operator commands say it in their one line.
 *
 * <p>The other way round, a plain-text URI at a TLS-only port, gets a hint ({@link #plainTextHint}):
 * the server reads the client's first command as a broken TLS record and closes the connection,
 * which the client reports only as "Connection reset".
 *
 * <p>Stateless and thread-safe.
 */
public final class RedisTlsFailure {

    private RedisTlsFailure() {}

    /**
     * What went wrong and what to check, or {@code null} when the failure is not a TLS one. A
     * cluster client reports each seed node's failure as a suppressed exception of its own: those
     * are searched too.
     */
    public static String diagnosis(Throwable failure) {
        List<Throwable> all = new ArrayList<>();
        collect(failure, all);
        Throwable tlsFailure = null;
        String messages = "";
        for (Throwable t : all) {
            if (tlsFailure == null
                    && (t instanceof SSLException
                            || t instanceof java.security.cert.CertificateException
                            || t instanceof java.security.GeneralSecurityException)) {
                tlsFailure = t;
            }
            messages += " " + t.getMessage();
        }
        if (tlsFailure == null) {
            return null;
        }
        String cause = rootMessage(tlsFailure);
        if (all.stream()
                .anyMatch(t -> t instanceof java.security.cert.CertificateExpiredException
                        || t instanceof java.security.cert.CertificateNotYetValidException)) {
            // Found on this side; the JDK reports it under "PKIX path validation failed", which is no
            // reason to suspect the CA file.
            return cause + "; the server's certificate has expired or is not valid yet: renew it on the Redis server "
                    + "(or check this machine's clock)";
        }
        if (messages.toLowerCase(java.util.Locale.ROOT).contains("certificate_expired")) {
            return cause + "; Redis refused the client certificate as expired (or not valid yet): renew "
                    + "eventbus.redis.tls.cert-file (or check this machine's clock)";
        }
        if (messages.contains("certificate_required")
                || messages.contains("bad_certificate")
                || messages.contains("unknown_ca")
                || messages.contains("access_denied")) {
            return cause + "; Redis wants a client certificate it trusts (tls-auth-clients): check "
                    + "eventbus.redis.tls.cert-file and key-file";
        }
        if (messages.contains("No subject alternative")
                || messages.contains("doesn't match any of the subject")
                || messages.contains("No name matching")) {
            return cause + "; the server's certificate does not name the host of eventbus.redis.uri: connect by a "
                    + "name it holds";
        }
        if (messages.contains("certification path")
                || messages.contains("PKIX")
                || messages.contains("certificate_unknown")
                || messages.contains("CertPath")) {
            return cause + "; the server's certificate is not signed by a trusted CA: check eventbus.redis.tls.ca-file";
        }
        return cause + "; check the eventbus.redis.tls settings";
    }

    /**
     * For a connection that could not be made over a plain-text URI because the server closed or
     * reset it while it was being made (what a TLS-only port does): {@code the server closed the
     * connection at once: if it expects TLS, use rediss://}, with the TLS form of the URI's scheme.
     * A hint, not a diagnosis: a server closes a connection for other reasons too. {@code null} for
     * a TLS URI and for other failures (a refused connection, a timeout, a reply). Call it only for
     * a failure to connect.
     */
    public static String plainTextHint(RedisSettings settings, Throwable failure) {
        if (settings.tlsEnabled()) {
            return null;
        }
        List<Throwable> all = new ArrayList<>();
        collect(failure, all);
        for (Throwable t : all) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof ClosedChannelException
                    || m.contains("Connection reset")
                    || m.contains("Connection closed prematurely")
                    || m.contains("RedisHandshakeHandler not registered")) {
                String scheme = settings.sentinel()
                        ? "rediss-sentinel://"
                        : settings.cluster() ? "rediss-cluster://" : "rediss://";
                return "the server closed the connection at once: if it expects TLS, use " + scheme;
            }
        }
        return null;
    }

    /** The failure, its causes and what they suppressed, each once (a bounded number). */
    private static void collect(Throwable t, List<Throwable> into) {
        if (t == null || into.size() >= 64 || into.contains(t)) {
            return;
        }
        into.add(t);
        collect(t.getCause(), into);
        for (Throwable suppressed : t.getSuppressed()) {
            collect(suppressed, into);
        }
    }
}
