package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StatusCommandTest {

    /** Found from outside: it said "Unable to connect to 127.0.0.1/<unresolved>:6391". */
    @Test
    void redisThatDoesNotListenIsNamedAsConfigured() throws Exception {
        int redis = freePort();
        int admin = freePort();
        CommandLine cli = EventbusCommand.commandLine();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute("status", "--redis", "redis://127.0.0.1:" + redis, "--admin", "127.0.0.1:" + admin);

        assertEquals(1, exit, err.toString());
        assertTrue(
                err.toString()
                        .contains("cannot reach Redis at redis://127.0.0.1:" + redis + ": Unable to connect to "
                                + "127.0.0.1:" + redis + " (ConnectException: Connection refused"),
                err.toString());
        assertFalse(err.toString().contains("<unresolved>"), err.toString());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
