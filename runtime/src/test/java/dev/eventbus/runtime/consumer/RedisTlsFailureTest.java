package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.net.ConnectException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** A TLS failure is told apart wherever the client put it: in the causes, or suppressed per node. */
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
    void aRefusedConnectionIsNoTlsFailure() {
        RedisConnectionException nodes =
                new RedisConnectionException("Unable to establish a connection to Redis Cluster");
        nodes.addSuppressed(new RedisConnectionException(
                "Unable to connect to 127.0.0.1:7000", new ConnectException("Connection refused")));
        assertNull(RedisTlsFailure.diagnosis(nodes));
    }
}
