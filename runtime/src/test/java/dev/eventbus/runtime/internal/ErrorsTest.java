package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.net.ConnectException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ErrorsTest {

    /** Found from outside: a cluster failure's layout over lines showed in the log as escaped {@code \n}s. */
    @Test
    void aMessageLaidOutOverLinesIsGivenOnOne() {
        RedisException e = new RedisException("Cannot retrieve cluster partitions from [redis://a:1, redis://b:2]"
                + "\n\nDetails:\n\t[redis://a:1]: Connection refused\n\t[redis://b:2]: Connection refused\n");
        assertEquals(
                "RedisException: Cannot retrieve cluster partitions from [redis://a:1, redis://b:2] Details: "
                        + "[redis://a:1]: Connection refused [redis://b:2]: Connection refused",
                Errors.rootMessage(new IllegalStateException("wrapped", e)));
    }

    private static final RedisException NOT_CONNECTED =
            new RedisException("Currently not connected. Commands are rejected.");

    /** Found from outside: every loop's line said only Lettuce's words while Redis was down. */
    @Test
    void aCommandRefusedWhileReconnectingSaysWhyTheLatestAttemptFailed() {
        Throwable refused = new RedisConnectionException(
                "Unable to connect to 127.0.0.1:6391", new ConnectException("Connection refused"));
        assertEquals(
                "not connected to Redis, reconnecting: ConnectException: Connection refused",
                Errors.describe(new IllegalStateException("round", NOT_CONNECTED), () -> Optional.of(refused)));
    }

    @Test
    void withNoAttemptFailedYetItSaysWhereTheReasonWillBe() {
        assertEquals(
                "not connected to Redis, reconnecting: the 'redis' check of readiness and status says why "
                        + "(RedisException: Currently not connected. Commands are rejected.)",
                Errors.describe(NOT_CONNECTED));
    }

    @Test
    void otherFailuresAreNotSaidWithTheReconnectReason() {
        Throwable refused = new ConnectException("Connection refused");
        assertEquals(
                "RedisException: ERR unknown command",
                Errors.describe(new RedisException("ERR unknown command"), () -> Optional.of(refused)));
    }
}
