package dev.eventbus.runtime.rpc;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import javax.net.ssl.SSLException;

/**
 * Tells a failed TLS handshake with a gRPC service from network trouble, and says which setting
 * to look at: an untrusted server certificate, a host name the certificate does not hold, a
 * certificate out of its validity dates (the service's, or the client's as the service says), or a
 * server that wants a client certificate it trusts. gRPC reports all of them as
 * {@code UNAVAILABLE: io exception} and keeps the cause out of the message.
 *
 * <p>Stateless and thread-safe.
 */
final class RpcTlsFailure {

    private RpcTlsFailure() {}

    /**
     * @param keys the service's config path, e.g. {@code eventbus.grpc.services."orders.v1.OrderService"}
     * @return what went wrong and what to check, or {@code null} when the failure is not a TLS one
     */
    static String diagnosis(Throwable failure, String keys) {
        StringBuilder messages = new StringBuilder();
        boolean tls = false;
        boolean outOfDate = false;
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            tls |= t instanceof SSLException || t instanceof java.security.GeneralSecurityException;
            outOfDate |= t instanceof java.security.cert.CertificateExpiredException
                    || t instanceof java.security.cert.CertificateNotYetValidException;
            messages.append(' ').append(t.getMessage());
        }
        if (!tls) {
            return null;
        }
        // Lower case: the JDK's engine and BoringSSL (which gRPC's Netty uses where it loads) spell
        // alerts differently, e.g. certificate_required and TLSV1_ALERT_CERTIFICATE_REQUIRED.
        String all = messages.toString().toLowerCase(java.util.Locale.ROOT);
        // What to do first, the raw cause last: log lines and reason texts are cut at a length.
        String cause = " (" + rootMessage(failure) + ")";
        if (outOfDate) {
            // Checked here, on this side: the service's certificate (or one of its chain) is out of
            // its validity dates. The JDK reports it under "PKIX path validation failed", which is
            // no reason to suspect the CA file.
            return "the service's certificate has expired or is not valid yet; renew it on the service (or check "
                    + "this machine's clock)" + cause;
        }
        if (all.contains("certificate_expired")) {
            // The service's alert: it found the client certificate out of its validity dates.
            return "the service refused the client certificate as expired (or not valid yet); renew " + keys
                    + ".cert-file (or check this machine's clock)" + cause;
        }
        if (all.contains("certificate_required")
                || all.contains("bad_certificate")
                || all.contains("unknown_ca")
                || all.contains("access_denied")
                || all.contains("handshake_failure")) {
            return "the service wants a client certificate it trusts (mutual TLS); check " + keys
                    + ".cert-file and key-file" + cause;
        }
        if (all.contains("no subject alternative")
                || all.contains("doesn't match any of the subject")
                || all.contains("no name matching")) {
            return "the service's certificate does not name the target's host; check " + keys + ".target, or set "
                    + keys + ".authority to a name it holds" + cause;
        }
        if (all.contains("certification path")
                || all.contains("pkix")
                || all.contains("certificate_unknown")
                || all.contains("certpath")
                || all.contains("certificate_verify_failed")) {
            return "the service's certificate is not signed by a trusted CA; check " + keys + ".trust-ca-file" + cause;
        }
        return "check the TLS settings of " + keys + cause;
    }
}
