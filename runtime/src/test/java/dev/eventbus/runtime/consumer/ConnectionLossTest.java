package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.net.SocketException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** A lost connection is told from an error Redis answered, however wrapped. */
class ConnectionLossTest {

    @Test
    void aDisconnectedOrRefusedConnectionIsALoss() {
        assertTrue(ConnectionLoss.is(new RedisException("Currently not connected. Commands are rejected.")));
        assertTrue(ConnectionLoss.is(new RedisException("Connection disconnected")));
        assertTrue(ConnectionLoss.is(new RedisConnectionException("Unable to connect to 127.0.0.1:1")));
        assertTrue(ConnectionLoss.is(new CompletionException(new SocketException("Connection reset"))));
    }

    @Test
    void anErrorRedisAnsweredIsNot() {
        assertFalse(ConnectionLoss.is(new RedisCommandExecutionException("NOPERM no permission")));
        assertFalse(ConnectionLoss.is(new RedisCommandExecutionException("WRONGTYPE Operation against a key")));
        assertFalse(ConnectionLoss.is(new RedisException("Command timed out after 10 second(s)")));
        assertFalse(ConnectionLoss.is(new IllegalStateException("no group")));
    }
}
