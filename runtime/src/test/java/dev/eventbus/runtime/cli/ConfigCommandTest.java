package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code config show} and {@code config check} flag Redis TLS without verification, and show no secret. */
class ConfigCommandTest {

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ConfigCommand());
        cli.setOut(new PrintWriter(out, true));
        assertEquals(0, cli.execute(args), out.toString());
        return out.toString();
    }

    @Test
    void verificationTurnedOffShowsAsAWarning() {
        String uri = "rediss://app:qq9@zz8@redis:6380?verifyPeer=NONE";
        for (String command : new String[] {"show", "check"}) {
            String out = run(command, "--redis", uri.replace("qq9@zz8", "qq9%40zz8"));
            assertTrue(out.contains("WARNING: TLS to Redis does not verify the server's certificate"), out);
            assertFalse(out.contains("qq9") || out.contains("zz8"), out);
        }
        assertFalse(run("show", "--redis", "rediss://redis:6380").contains("WARNING"));
    }

    @Test
    void verificationTurnedOffByTheTlsKeyShowsAsAWarningToo(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(
                dir.resolve("application.conf"),
                "eventbus.redis { uri = \"rediss://redis:6380\", tls.verify = none }\n");
        for (String command : new String[] {"show", "check"}) {
            String out = run(command, "--config", config.toString());
            assertTrue(out.contains("# WARNING: TLS to Redis does not verify the server's certificate"), out);
        }
        Files.writeString(config, "eventbus.redis { uri = \"rediss://redis:6380\", tls.verify = ca }\n");
        assertFalse(run("show", "--config", config.toString()).contains("WARNING"));
    }
}
