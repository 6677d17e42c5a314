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

    /** Found from outside: picocli's "Invalid value for option '--limit': 'abc' is not a long". */
    @Test
    void aNumericOptionThatIsNotANumberIsBadUsageInTheOperatorsWords() {
        Run limit = run("dlq", "list", "--handler", "h", "--limit", "abc");
        assertEquals(2, limit.exit(), limit.err());
        assertTrue(limit.err().contains("'abc' is not a whole number"), limit.err());
        assertFalse(limit.err().contains("is not a long"), limit.err());
        Run tooLarge = run("replay", "h", "--from", "0", "--limit", "99999999999999999999");
        assertEquals(2, tooLarge.exit(), tooLarge.err());
        assertTrue(tooLarge.err().contains("'99999999999999999999' is too large"), tooLarge.err());
        Run events = run("dev", "--events", "five");
        assertEquals(2, events.exit(), events.err());
        assertTrue(events.err().contains("'five' is not a whole number"), events.err());
        Run rate = run("dlq", "redrive", "--handler", "h", "--rate", "fast");
        assertEquals(2, rate.exit(), rate.err());
        assertTrue(rate.err().contains("'fast' is not a number"), rate.err());
        assertFalse(rate.err().contains("is not a double"), rate.err());
    }

    /** The error for --rate -1 said "must be 0 (no limit) or more"; the help did not say 0 is no limit. */
    @Test
    void theRatesHelpSaysThatZeroIsNoLimit() {
        for (String[] command : new String[][] {{"dlq", "redrive", "--help"}, {"replay", "--help"}}) {
            Run help = run(command);
            assertEquals(0, help.exit(), help.err());
            assertTrue(help.out().contains("0 for no limit"), help.out());
        }
    }

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        CommandLine cli = EventbusCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
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
