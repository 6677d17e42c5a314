package dev.eventbus.runtime.consumer;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.io.IOException;

/**
 * Tells a command that failed because its connection is down (dropped, being reopened, refused)
 * from one Redis answered with an error. The first kind ends as soon as the client has reconnected,
 * so a loop may try again at the client's reconnect pace instead of its own longer back-off.
 */
final class ConnectionLoss {

    private ConnectionLoss() {}

    /** Whether {@code t}, or a cause of it, says the connection is down rather than Redis refusing. */
    static boolean is(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RedisCommandExecutionException) {
                return false; // Redis answered: WRONGTYPE, NOPERM, OOM... are not cured by reconnecting
            }
            if (c instanceof RedisConnectionException || c instanceof IOException) {
                return true;
            }
            if (c instanceof RedisException) {
                String m = String.valueOf(c.getMessage());
                if (m.startsWith("Currently not connected")
                        || m.startsWith("Connection disconnected")
                        || m.startsWith("Connection closed")) {
                    return true;
                }
            }
        }
        return false;
    }
}
