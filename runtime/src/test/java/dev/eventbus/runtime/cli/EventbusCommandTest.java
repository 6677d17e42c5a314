package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EventbusCommandTest {

    @Test
    void aRedisFailureIsOneLineNamingTheNodeAndItsCause() throws Exception {
        RedisConnectionException e = new RedisConnectionException(
                "Unable to connect to " + java.net.InetSocketAddress.createUnresolved("127.0.0.1", 7306),
                new ConnectException("Connection refused: " + new java.net.InetSocketAddress("127.0.0.1", 7306)));

        Handled handled = handle(e);

        assertEquals(1, handled.exit());
        assertEquals(
                "eventbus: Redis: Unable to connect to 127.0.0.1:7306 "
                        + "(ConnectException: Connection refused: 127.0.0.1:7306)",
                handled.err());
    }

    @Test
    void aWrapperMadeFromItsCauseIsNotSaidTwice() throws Exception {
        // As Lettuce wraps an I/O failure (Exceptions.bubble): the wrapper's message is the cause's toString().
        RedisException e = new RedisException(new IOException("Connection reset by peer"));

        Handled handled = handle(e);

        assertEquals("eventbus: Redis: IOException: Connection reset by peer", handled.err());
    }

    @Test
    void everyUriOfAMessageKeepsItsHostAndLosesItsUser() throws Exception {
        // Lettuce masks a password itself, and lists every seed it tried.
        RedisException e = new RedisException(
                "Cannot retrieve cluster partitions from [redis://app:****@127.0.0.1:7991?timeout=2s, "
                        + "redis://app:****@127.0.0.1:7992?timeout=2s]",
                new ConnectException("Connection refused"));

        Handled handled = handle(e);

        assertEquals(
                "eventbus: Redis: Cannot retrieve cluster partitions from [redis://***@127.0.0.1:7991?timeout=2s, "
                        + "redis://***@127.0.0.1:7992?timeout=2s] (ConnectException: Connection refused)",
                handled.err());
    }

    @Test
    void credentialsInAFailuresMessageAreRedacted() throws Exception {
        RedisConnectionException e = new RedisConnectionException(
                "Cannot connect Redis Sentinel at redis://app:s3cret@127.0.0.1:26379",
                new ConnectException("Connection refused"));

        Handled handled = handle(e);

        assertFalse(handled.err().contains("s3cret"), handled.err());
        assertTrue(handled.err().contains("redis://***@127.0.0.1:26379"), handled.err());
    }

    /** What the command line's exception handler returned and printed on stderr (stripped). */
    private record Handled(int exit, String err) {}

    private static Handled handle(Exception e) throws Exception {
        CommandLine cli = EventbusCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.getExecutionExceptionHandler().handleExecutionException(e, cli, null);
        return new Handled(exit, err.toString().strip());
    }
}
