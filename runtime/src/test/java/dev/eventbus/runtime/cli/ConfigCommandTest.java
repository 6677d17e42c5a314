package dev.eventbus.runtime.cli;

import static dev.eventbus.runtime.cli.CliRun.eventbus;
import static dev.eventbus.runtime.cli.CliRun.eventbusWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
    void checkListsTheUnknownKeysTypeErrorsAndLaterProblemsOfOneFileTogether(@TempDir Path dir) throws Exception {
        // Used to list only the unknown key: checking stopped before the port and the number were read.
        Path config = Files.writeString(
                dir.resolve("m.conf"),
                "eventbus { nosuchkey = 1, redis.uri = \"redis://127.0.0.1:0\", consumer.read-ahead = \"x\" }");
        CliRun run = eventbusWith(config, dir, "config", "check");
        assertEquals(2, run.exit(), run::toString);
        for (String problem : new String[] {
            "unknown key 'eventbus.nosuchkey'",
            "redis.uri has port '0'",
            "eventbus.consumer.read-ahead must be a number, was \"x\" ("
        }) {
            assertTrue(run.err().contains(problem), problem + ": " + run);
        }
    }

    @Test
    void checkRefusesAnAdminHostThisMachineCannotListenOnButNotAPortARuntimeHolds(@TempDir Path dir) throws Exception {
        // Found from outside: an address of another machine (or a name that does not resolve) was
        // "configuration valid", and run then could not listen.
        for (String host : new String[] {"203.0.113.7", "no-such-host.invalid"}) {
            Path config = Files.writeString(
                    dir.resolve("application.conf"), "eventbus.admin { host = \"" + host + "\", token = \"t0ken\" }\n");
            CliRun run = eventbusWith(config, dir, "config", "check");
            assertEquals(2, run.exit(), run::toString);
            assertTrue(run.err().contains("admin.host: "), run::toString);
            assertTrue(run.err().contains(host), run::toString);
            assertTrue(run.err().contains("application.conf: 1"), run::toString);
            Files.writeString(
                    config, "eventbus.admin { enabled = false, host = \"" + host + "\", token = \"t0ken\" }\n");
            CliRun off = eventbusWith(config, dir, "config", "check");
            assertEquals(0, off.exit(), off::toString);
        }
        // The admin port taken (by a runtime running now, say) is no problem of the configuration.
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path config = Files.writeString(
                    dir.resolve("application.conf"),
                    "eventbus.admin { host = \"127.0.0.1\", http-port = " + taken.getLocalPort() + " }\n");
            CliRun run = eventbusWith(config, dir, "config", "check");
            assertEquals(0, run.exit(), run::toString);
        }
    }

    @Test
    void checkWarnsWhenThePluginsDirectoryIsMissing(@TempDir Path dir) {
        // Used to say "configuration valid" and nothing else; run starts with no handlers then.
        Path missing = dir.resolve("no-such-plugins");
        CliRun run = eventbus("config", "check", "--plugins-dir", missing.toString());
        assertEquals(0, run.exit(), run::toString);
        assertTrue(
                run.out().contains("# WARNING: the plugins directory " + missing.toAbsolutePath() + " does not exist"),
                run::toString);
        CliRun present = eventbus("config", "check", "--plugins-dir", dir.toString());
        assertEquals(0, present.exit(), present::toString);
        assertTrue(!present.out().contains("plugins directory"), present::toString);
    }

    @Test
    void checkWarnsOfAnIncludeOfAFileThatIsNotThere(@TempDir Path dir) throws Exception {
        // HOCON skips it in silence: a secrets file not in place went unnoticed.
        Path config = Files.writeString(
                dir.resolve("application.conf"), "include \"secrets.conf\"\neventbus.consumer.read-ahead = 3\n");
        CliRun run = eventbusWith(config, dir, "config", "check");
        assertEquals(0, run.exit(), run::toString);
        assertTrue(
                run.out()
                        .contains("# WARNING: include \"secrets.conf\" (" + config + ": 1) was skipped: "
                                + dir.resolve("secrets.conf") + " does not exist"),
                run::toString);
    }

    @Test
    void checkRefusesAKeyOutsideEventbus(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(
                dir.resolve("application.conf"), "eventbus { }\nredis.uri = \"redis://127.0.0.1:22999\"\n");
        CliRun run = eventbusWith(config, dir, "config", "check");
        assertEquals(2, run.exit(), run::toString);
        assertTrue(
                run.err()
                        .contains("unknown key 'redis.uri' (" + config + ": 2): every setting goes under eventbus "
                                + "{ }: did you mean eventbus.redis.uri?"),
                run::toString);
    }

    @Test
    void checkRefusesARedisUserWithoutAPassword(@TempDir Path dir) throws Exception {
        // Lettuce would log in as the default user, with the user name as its password.
        CliRun run = eventbus(
                "config",
                "check",
                "--redis",
                "redis://eventbus-operator@127.0.0.1:7403",
                "--plugins-dir",
                dir.toString());
        assertEquals(2, run.exit(), run::toString);
        assertTrue(run.err().contains("redis.uri names a user but no password"), run::toString);
        Path password = Files.writeString(dir.resolve("password"), "pw\n");
        Path config = Files.writeString(
                dir.resolve("application.conf"), "eventbus.redis.password-file = \"" + password + "\"\n");
        CliRun withFile =
                eventbusWith(config, dir, "config", "check", "--redis", "redis://eventbus-operator@127.0.0.1:7403");
        assertEquals(0, withFile.exit(), withFile::toString);
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

    @Test
    void showPrintsAConfigFileThatParsesBackWithTheSameValues(@TempDir Path dir) throws Exception {
        // Found from outside: the output began "eventbus # <comment>" and went on with "admin {" (the
        // root object renders without braces), which config check refused: "Key 'eventbus' may not
        // be followed by token: 'admin'".
        Path config = Files.writeString(
                dir.resolve("application.conf"),
                "eventbus { consumer-name = worker-7, handler-defaults.max-in-flight = 8, plugins-dir = \""
                        + dir.resolve("plugins") + "\" }\n");
        Files.createDirectories(dir.resolve("plugins"));
        String shown = run("show", "--config", config.toString());
        assertTrue(shown.stripLeading().startsWith("eventbus {") || shown.contains("\neventbus {"), shown);
        Path again = Files.writeString(dir.resolve("shown.conf"), shown);
        Config parsed = ConfigFactory.parseFile(again.toFile());
        assertEquals("worker-7", parsed.getString("eventbus.consumer-name"));
        assertEquals(8, parsed.getInt("eventbus.handler-defaults.max-in-flight"));
        assertEquals("2s", parsed.getString("eventbus.consumer.block"));
        CliRun check = eventbus("config", "check", "--config", again.toString());
        assertEquals(0, check.exit(), check.out() + check.err());
    }
}
