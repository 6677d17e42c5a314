package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.RedisSettings;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * A TLS failure is told apart wherever the client put it: in the causes, or suppressed per node; a
 * plain-text connection the server reset gets a hint at the URI's TLS scheme.
 */
class RedisTlsFailureTest {

    @Test
    void aClusterClientsPerNodeFailuresAreSearchedToo() {
        RedisConnectionException nodes =
                new RedisConnectionException("Unable to establish a connection to Redis Cluster");
        nodes.addSuppressed(new RedisConnectionException(
                "Unable to connect to 127.0.0.1:7000",
                new SSLHandshakeException("PKIX path building failed: unable to find valid certification path")));
        String diagnosis = RedisTlsFailure.diagnosis(new RedisException("Cannot retrieve cluster partitions", nodes));
        assertTrue(diagnosis != null && diagnosis.contains("check eventbus.redis.tls.ca-file"), diagnosis);
    }

    @Test
    void anExpiredServerCertificateIsNamedAsExpiredNotAsAnUntrustedCa() {
        java.security.cert.CertificateExpiredException expired =
                new java.security.cert.CertificateExpiredException("NotAfter: Sat Feb 01 00:00:00 UTC 2020");
        SSLHandshakeException handshake = new SSLHandshakeException(
                "PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed");
        handshake.initCause(new java.security.cert.CertPathValidatorException("validity check failed", expired));
        String diagnosis = RedisTlsFailure.diagnosis(
                new RedisConnectionException("Unable to connect to 127.0.0.1:6380", handshake));
        assertEquals(
                "CertificateExpiredException: NotAfter: Sat Feb 01 00:00:00 UTC 2020; the server's certificate has "
                        + "expired or is not valid yet: renew it on the Redis server (or check this machine's clock)",
                diagnosis);
    }

    @Test
    void aClientCertificateRedisCallsExpiredNamesTheCertFile() {
        String diagnosis = RedisTlsFailure.diagnosis(new RedisConnectionException(
                "Unable to connect to 127.0.0.1:6380",
                new SSLHandshakeException("Received fatal alert: certificate_expired")));
        assertTrue(
                diagnosis != null
                        && diagnosis.endsWith("; Redis refused the client certificate as expired (or not valid yet): "
                                + "renew eventbus.redis.tls.cert-file (or check this machine's clock)"),
                diagnosis);
    }

    @Test
    void aRefusedConnectionIsNoTlsFailure() {
        RedisConnectionException nodes =
                new RedisConnectionException("Unable to establish a connection to Redis Cluster");
        nodes.addSuppressed(new RedisConnectionException(
                "Unable to connect to 127.0.0.1:7000", new ConnectException("Connection refused")));
        assertNull(RedisTlsFailure.diagnosis(nodes));
    }

    private static RedisSettings settings(String uri) {
        return new RedisSettings(uri, Duration.ofSeconds(3), 1000, Duration.ofMillis(100), Duration.ofSeconds(1));
    }

    private static RedisConnectionException reset(String node) {
        return new RedisConnectionException("Unable to connect to " + node, new SocketException("Connection reset"));
    }

    @Test
    void aPlainTextConnectionTheServerResetHintsAtTheTlsFormOfItsScheme() {
        String hint = "the server closed the connection at once: if it expects TLS, use ";
        assertEquals(hint + "rediss://", RedisTlsFailure.plainTextHint(settings("redis://h:6379"), reset("h:6379")));
        RedisConnectionException nodes =
                new RedisConnectionException("Unable to establish a connection to Redis Cluster");
        nodes.addSuppressed(reset("h:7000"));
        assertEquals(
                hint + "rediss-cluster://",
                RedisTlsFailure.plainTextHint(
                        settings("redis-cluster://h:7000,h:7001"),
                        new RedisException("Cannot retrieve cluster partitions", nodes)));
        assertEquals(
                hint + "rediss-sentinel://",
                RedisTlsFailure.plainTextHint(
                        settings("redis-sentinel://h:26379#m"),
                        new RedisConnectionException("Connection closed prematurely")));
    }

    @Test
    void noHintOverTlsOrForOtherFailures() {
        assertNull(RedisTlsFailure.plainTextHint(settings("rediss://h:6379"), reset("h:6379")));
        assertNull(RedisTlsFailure.plainTextHint(
                settings("redis://h:6379"),
                new RedisConnectionException(
                        "Unable to connect to h:6379", new ConnectException("Connection refused"))));
        assertNull(RedisTlsFailure.plainTextHint(settings("redis://h:6379"), new RedisException("WRONGPASS")));
    }
}
