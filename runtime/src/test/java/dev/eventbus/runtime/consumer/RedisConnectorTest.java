package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisConnectionException;
import org.junit.jupiter.api.Test;

class RedisConnectorTest {

    @Test
    void aChannelClosedBeforeTheHandshakeIsNotCalledUnreachable() {
        // As seen from a Sentinel-resolved node that had just refused the previous attempt's password.
        Throwable race = new RedisConnectionException(
                "Unable to connect", new IllegalStateException("RedisHandshakeHandler not registered"));
        assertTrue(RedisConnector.closedDuringHandshake(race));
    }

    @Test
    void otherFailuresAreNot() {
        assertFalse(RedisConnector.closedDuringHandshake(
                new RedisConnectionException("Unable to connect to 127.0.0.1:1", new java.net.ConnectException())));
        assertFalse(RedisConnector.closedDuringHandshake(new IllegalStateException("something else")));
        assertFalse(RedisConnector.closedDuringHandshake(new IllegalStateException()));
    }
}
