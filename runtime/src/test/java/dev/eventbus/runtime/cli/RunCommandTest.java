package dev.eventbus.runtime.cli;

import static dev.eventbus.runtime.cli.CliRun.eventbusWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eventbus run}'s failures before it reaches Redis, through the command line as bin/eventbus runs it. */
class RunCommandTest {

    @TempDir
    Path dir;

    /**
     * Found from outside: with a token set, an admin host that does not resolve passed start-up's
     * checks and run then said {@code admin server cannot listen on nosuch.invalid (...):
     * UnresolvedAddressException}, exit 1, where config check says why and exits 2. Run says the
     * same now, as the configuration error it is.
     */
    @Test
    void anAdminHostThatDoesNotResolveIsExit2SaidAsConfigCheckSaysIt() throws Exception {
        Path config = Files.writeString(
                dir.resolve("application.conf"),
                "eventbus {\n  redis.uri = \"redis://127.0.0.1:1\"\n"
                        + "  admin { host = \"nosuch.invalid\", token = \"t0ken\", http-port = 0, grpc-port = 0 }\n}\n");

        CliRun run = eventbusWith(config, dir, "run");
        CliRun check = eventbusWith(config, dir, "config", "check");

        assertEquals(2, run.exit(), run::toString);
        assertTrue(
                run.err()
                        .contains("admin.host: cannot resolve 'nosuch.invalid': name an address of this machine,"
                                + " 127.0.0.1 or 0.0.0.0 (" + config + ": 3)"),
                run::toString);
        assertEquals(2, check.exit(), check::toString);
        assertEquals(check.err(), run.err());
    }

    /** An admin port another process holds is no error of the configuration: exit 1, as before. */
    @Test
    void anAdminPortTakenIsStillExit1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = Files.writeString(
                    dir.resolve("application.conf"),
                    "eventbus {\n  redis.uri = \"redis://127.0.0.1:1\"\n  admin { http-port = " + taken.getLocalPort()
                            + ", grpc-port = -1 }\n}\n");

            CliRun run = eventbusWith(config, dir, "run");

            assertEquals(1, run.exit(), run::toString);
            assertTrue(run.err().contains("admin server cannot listen on 127.0.0.1"), run::toString);
        }
    }
}
