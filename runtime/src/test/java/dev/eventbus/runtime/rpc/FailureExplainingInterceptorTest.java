package dev.eventbus.runtime.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.config.RpcServiceSettings;
import io.grpc.Status;
import java.net.ConnectException;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class FailureExplainingInterceptorTest {

    private static final String METHOD = "orders.v1.OrderService/MarkPaid";

    private final FailureExplainingInterceptor interceptor = new FailureExplainingInterceptor(
            new RpcServiceSettings("orders.v1.OrderService", "orders:443", Duration.ofSeconds(1), 1024));
    private final Logger logger = (Logger) LoggerFactory.getLogger(FailureExplainingInterceptor.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void listen() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(logs);
    }

    private static Status untrusted() {
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed");
        handshake.initCause(new java.security.cert.CertificateException("unable to find valid certification path"));
        return Status.UNAVAILABLE.withDescription("io exception").withCause(handshake);
    }

    /** As the JDK reports a server certificate past its NotAfter date, signed by a trusted CA. */
    static SSLHandshakeException expiredServerCertificate() {
        java.security.cert.CertificateExpiredException expired =
                new java.security.cert.CertificateExpiredException("NotAfter: Sat Feb 01 00:00:00 UTC 2020");
        java.security.cert.CertPathValidatorException validator =
                new java.security.cert.CertPathValidatorException("validity check failed", expired);
        SSLHandshakeException handshake = new SSLHandshakeException(
                "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed");
        handshake.initCause(new java.security.cert.CertificateException(validator.toString(), validator));
        return handshake;
    }

    @Test
    void anExpiredServiceCertificateIsNamedAsExpiredNotAsAnUntrustedCa() {
        Status explained = interceptor.explain(
                Status.UNAVAILABLE.withDescription("io exception").withCause(expiredServerCertificate()), METHOD);
        assertEquals(Status.Code.UNAVAILABLE, explained.getCode());
        assertEquals(
                "TLS handshake with orders:443 failed: the service's certificate has expired or is not valid yet; "
                        + "renew it on the service (or check this machine's clock) (CertificateExpiredException: "
                        + "NotAfter: Sat Feb 01 00:00:00 UTC 2020)",
                explained.getDescription());
    }

    @Test
    void aClientCertificateTheServiceCallsExpiredNamesTheCertFile() {
        // What gRPC's Netty (BoringSSL) reports when the service sends the certificate_expired alert.
        SSLHandshakeException alert = new SSLHandshakeException(
                "error:10000415:SSL routines:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED");
        Status explained = interceptor.explain(
                Status.UNAVAILABLE.withDescription("io exception").withCause(alert), METHOD);
        assertTrue(
                explained
                        .getDescription()
                        .startsWith("TLS handshake with orders:443 failed: the service refused the client certificate "
                                + "as expired (or not valid yet); renew eventbus.grpc.services.\"orders.v1.OrderService\""
                                + ".cert-file"),
                explained.getDescription());
    }

    @Test
    void aFailedHandshakeKeepsItsCodeAndSaysWhatToCheckLoggedOnceUntilAnAnswer() {
        Status explained = interceptor.explain(untrusted(), METHOD);
        assertEquals(Status.Code.UNAVAILABLE, explained.getCode());
        assertTrue(
                explained
                        .getDescription()
                        .startsWith("TLS handshake with orders:443 failed: the service's "
                                + "certificate is not signed by a trusted CA; check eventbus.grpc.services.\"orders.v1.OrderService\""
                                + ".trust-ca-file (CertificateException: unable to find valid certification path)"),
                explained.getDescription());
        interceptor.explain(untrusted(), METHOD);
        assertEquals(1, logs.list.size(), "the same failure again is not logged again");
        interceptor.explain(Status.OK, METHOD);
        interceptor.explain(untrusted(), METHOD);
        assertEquals(2, logs.list.size(), "after an answer, it is news again");
        assertTrue(logs.list.get(0).getThrowableProxy() != null, "the cause is logged with it");
    }

    @Test
    void unavailableWithoutATlsCauseIsLeftAlone() {
        Status refused = Status.UNAVAILABLE.withDescription("io exception").withCause(new ConnectException("refused"));
        assertSame(refused, interceptor.explain(refused, METHOD));
        assertEquals(0, logs.list.size());
    }

    @Test
    void unimplementedStaysUnimplementedAndSaysItIsAConfigurationProblem() {
        Status explained =
                interceptor.explain(Status.UNIMPLEMENTED.withDescription("Method not found: " + METHOD), METHOD);
        assertEquals(Status.Code.UNIMPLEMENTED, explained.getCode());
        assertEquals(
                "Method not found: orders.v1.OrderService/MarkPaid; the server at orders:443 does not implement "
                        + "orders.v1.OrderService/MarkPaid: a configuration problem, not a bad event (is "
                        + "eventbus.grpc.services.\"orders.v1.OrderService\".target the right server, or has another process "
                        + "taken that port?)",
                explained.getDescription());
    }
}
