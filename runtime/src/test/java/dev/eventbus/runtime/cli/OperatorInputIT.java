package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.eventbus.testkit.RedisExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator commands check their input and answer with the same exit codes everywhere: 0 done,
 * 1 operational failure (an unknown handler is one: nothing found), 2 bad usage. Against a real
 * Redis, through the command line as {@code bin/eventbus} runs it.
 */
class OperatorInputIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final String STREAM = "input-stream";
    private static final String HANDLER = "known";
    private static final String DLQ = "eventbus:dlq:" + HANDLER;

    @TempDir
    Path dir;

    private Path config;

    private CliRun cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--config");
        all.add(config.toString());
        return CliRun.eventbus(all.toArray(String[]::new));
    }

    private void assertExit(int expected, CliRun run, String... inErr) {
        assertEquals(expected, run.exit(), run::toString);
        for (String text : inErr) {
            assertTrue(run.err().contains(text), "stderr lacks '" + text + "': " + run);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        REDIS.command("XGROUP", "CREATE", STREAM, HANDLER, "0", "MKSTREAM");
        config = Files.writeString(
                dir.resolve("application.conf"),
                ConfigFactory.parseMap(Map.of(
                                "eventbus.redis.uri", REDIS.uri(),
                                "eventbus.admin.audit-log",
                                        dir.resolve("audit.log").toString()))
                        .root()
                        .render(ConfigRenderOptions.concise()));
    }

    /** Found from outside: {@code --header =v} exited 0 and wrote a field with an empty name. */
    @Test
    void publishRefusesAHeaderWithoutANameOrWithWhiteSpaceAroundIt() {
        assertExit(2, cli("publish", STREAM, "t.x", "--header", "=v"), "--header '=v' needs a name before '='");
        // Found from outside: picocli's own message said "Value for option option '--header' ...".
        CliRun noValue = cli("publish", STREAM, "t.x", "--header", "novalue");
        assertExit(2, noValue, "--header 'novalue' must be NAME=VALUE");
        assertFalse(noValue.err().contains("option option"), noValue::toString);
        assertExit(2, cli("publish", STREAM, "t.x", "--header", " =v"), "--header ' =v' needs a name before '='");
        assertExit(
                2,
                cli("publish", STREAM, "t.x", "--header", " traceparent=v"),
                "--header name ' traceparent' has leading or trailing white space: a handler reads its headers by"
                        + " their exact names");
        assertExit(2, cli("publish", STREAM, "t.x", "--header", "a\tb=v"), "holds a control character (U+0009)");
        assertEquals(0L, REDIS.command("XLEN", STREAM), "nothing was published");
        assertExit(0, cli("publish", STREAM, "t.x", "--header", "traceparent=v"));
    }

    @Test
    void publishRefusesAnEmptyTypeAndInlineDataThatIsNotJson() {
        assertExit(2, cli("publish", STREAM, ""), "TYPE must not be empty");
        assertExit(2, cli("publish", STREAM, " ", "--data", "{}"), "TYPE must not be empty");
        assertExit(2, cli("publish", "", "t.x"), "STREAM must not be empty");
        assertExit(
                2,
                cli("publish", STREAM, "t.x "),
                "TYPE 't.x ' has leading or trailing white space: handlers match the type exactly, so none would"
                        + " take this event");
        assertExit(2, cli("publish", STREAM, "t\nx"), "TYPE 't\\u000ax' holds a control character (U+000A)");
        assertExit(
                2, cli("publish", " " + STREAM, "t.x"), "STREAM ' " + STREAM + "' has leading or trailing white space");
        assertExit(2, cli("publish", STREAM, "t.x", "--data", "{\"amount\": 12,"), "--data is not valid JSON");
        assertExit(2, cli("publish", STREAM, "t.x", "--data", "{\"a\":1} trailing"), "--data is not valid JSON");
        assertExit(2, cli("publish", STREAM, "t.x", "--data", ""), "--data is not valid JSON (it is empty)");
        assertEquals(0L, REDIS.command("XLEN", STREAM), "nothing was published");

        assertExit(0, cli("publish", STREAM, "t.x", "--data", "{\"amount\": 12}"));
        assertExit(0, cli("publish", STREAM, "t.x", "--data", "plain words", "--header", "datacontenttype=text/plain"));
        assertEquals(2L, REDIS.command("XLEN", STREAM));
    }

    @Test
    void publishSendsTheBytesOfADataFileAsTheyAre() throws Exception {
        byte[] bytes = {1, 2, (byte) 0xff, '\n', 'x'};
        Path payload = Files.write(dir.resolve("payload.bin"), bytes);
        CliRun publish = cli("publish", STREAM, "t.x", "--data", "@" + payload);
        assertExit(0, publish);
        try (var client = io.lettuce.core.RedisClient.create(REDIS.uri());
                var connection = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE)) {
            var entry = connection
                    .sync()
                    .xrange(
                            "input-stream".getBytes(),
                            io.lettuce.core.Range.create(
                                    publish.out().trim(), publish.out().trim()))
                    .get(0);
            byte[] data = entry.getBody().entrySet().stream()
                    .filter(e -> new String(e.getKey()).equals("data"))
                    .map(java.util.Map.Entry::getValue)
                    .findFirst()
                    .orElseThrow();
            org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, data);
        }
    }

    @Test
    void aDeadLetterIdThatCannotBeOneIsBadUsageNotARedisError() {
        REDIS.command("XADD", DLQ, "*", "type", "t.x", "eventbus-reason", "handler-error");
        for (String bad : List.of("abc", "1-x", "", "-5")) {
            assertExit(2, cli("dlq", "show", "--handler", HANDLER, bad), "is not a dead letter's id");
            assertExit(2, cli("dlq", "discard", "--handler", HANDLER, bad), "is not a dead letter's id");
            assertExit(2, cli("dlq", "redrive", "--handler", HANDLER, bad), "is not a dead letter's id");
        }
        assertExit(2, cli("dlq", "show", "--handler", HANDLER, "1-0", "--source-stream", ""), "must name a stream");
        assertExit(1, cli("dlq", "show", "--handler", HANDLER, "1-0"), "no dead letter 1-0");
        assertEquals(1L, REDIS.command("XLEN", DLQ), "nothing discarded");
    }

    @Test
    void anEmptyStreamIsBadUsageNotAStreamToLookFor() {
        REDIS.command("XADD", STREAM, "*", "type", "t.x");
        // Was exit 1: "handler 'known' has no consumer group on stream ''".
        assertExit(2, cli("replay", HANDLER, "--from", "0", "--stream", ""), "--stream must name a stream");
        assertExit(
                2, cli("replay", HANDLER, "--from", "0", "--stream", " ", "--dry-run"), "--stream must name a stream");
        assertExit(
                2,
                cli("dlq", "list", "--handler", HANDLER, "--source-stream", ""),
                "--source-stream must name a stream");
        assertEquals(1L, REDIS.command("XLEN", STREAM), "nothing was replayed");
        assertExit(0, cli("replay", HANDLER, "--from", "0", "--stream", STREAM, "--dry-run"));
    }

    @Test
    void anEmptyHandlerIsBadUsageNotAHandlerToLookFor() {
        REDIS.command("XADD", DLQ, "*", "type", "t.x", "eventbus-reason", "handler-error");
        // Was exit 1: "no handler '' at redis://...".
        assertExit(2, cli("dlq", "list", "--handler", ""), "--handler must name a handler");
        assertExit(2, cli("dlq", "discard", "--handler", " ", "--all"), "--handler must name a handler");
        assertExit(2, cli("dlq", "show", "--handler", "", "1-0"), "--handler must name a handler");
        assertExit(2, cli("status", "--handler", ""), "--handler must name a handler");
        assertExit(2, cli("replay", "", "--from", "0"), "HANDLER must name a handler");
        assertEquals(1L, REDIS.command("XLEN", DLQ), "nothing discarded");
    }

    /** Each command that reads the plugins directory: a directory that is not one is named, exit 2. */
    @Test
    void aPluginsDirectoryThatIsNotThereIsBadUsageNamingIt() throws Exception {
        Path missing = dir.resolve("no-such-plugins");
        Path file = Files.writeString(dir.resolve("plugins.txt"), "not a directory");
        String[][] commands = {
            {"topology"},
            {"plugins", "list", "--admin", "127.0.0.1:1"},
            {"plugins", "show", "x", "--admin", "127.0.0.1:1"}
        };
        for (String[] command : commands) {
            List<String> args = new ArrayList<>(List.of(command));
            args.addAll(List.of("--plugins-dir", missing.toString()));
            // Was exit 1: "eventbus: java.io.UncheckedIOException: cannot list the plugins directory ...".
            CliRun run = cli(args.toArray(String[]::new));
            assertExit(2, run, "the plugins directory " + missing + " does not exist", "--plugins-dir");
            assertFalse(run.err().contains("java.") || run.err().contains("Exception"), run::toString);
            args.set(args.size() - 1, file.toString());
            assertExit(2, cli(args.toArray(String[]::new)), "the plugins directory " + file + " is not a directory");
            args.set(args.size() - 1, "");
            assertExit(2, cli(args.toArray(String[]::new)), "--plugins-dir must name a directory");
        }
        Files.createDirectories(dir.resolve("plugins"));
        assertExit(0, cli("topology", "--plugins-dir", dir.resolve("plugins").toString()));
    }

    /**
     * The exit codes of the README when the runtime does not answer: 0 where the command answers
     * without it (status from Redis, plugins list from the plugins directory; also with --admin
     * named), saying so on stderr; 1 where it cannot (plugins reload). The README once said 1 for
     * all of them (found from outside).
     */
    @Test
    void aRuntimeThatDoesNotAnswerIsExit0WhereTheCommandAnswersWithoutItAnd1ForAReload() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        CliRun status = cli("status", "--admin", "127.0.0.1:1");
        assertExit(0, status, "the runtime at 127.0.0.1:1 did not answer", "showing what Redis holds");
        assertTrue(status.out().contains(STREAM), status::toString);
        assertExit(
                0,
                cli("plugins", "list", "--admin", "127.0.0.1:1", "--plugins-dir", plugins.toString()),
                "the runtime at 127.0.0.1:1 did not answer",
                "showing what the plugins directory");
        assertExit(
                1,
                cli("plugins", "reload", "x", "--admin", "127.0.0.1:1"),
                "cannot reload x: the runtime at 127.0.0.1:1 did not answer");
    }

    @Test
    void anAdminCaThatIsNotAFileIsBadUsage() {
        // Was exit 1 with "cannot use  as the admin port's CA" (Path "" reads as the working directory).
        for (String ca : List.of("", dir.toString())) {
            assertExit(
                    2,
                    cli("status", "--admin", "127.0.0.1:1", "--admin-ca", ca),
                    "--admin-ca: file '" + ca + "' does not exist, is not a file or cannot be read");
        }
    }

    @Test
    void aDevHomeWithoutTheDistributionIsBadUsage() {
        // Was exit 1 with "eventbus: java.lang.IllegalStateException: ... not found".
        StringWriter err = new StringWriter();
        CommandLine dev = EventbusCommand.commandLine();
        dev.setOut(new PrintWriter(new StringWriter(), true));
        dev.setErr(new PrintWriter(err, true));
        int exit = dev.execute("dev", "--home", dir.resolve("nowhere").toString(), "--verbose");
        assertEquals(2, exit, err::toString);
        assertTrue(err.toString().contains("not found: run from the unpacked distribution"), err.toString());
        assertFalse(err.toString().contains("Exception"), err.toString());
    }

    @Test
    void aRangeThatEndsBeforeItStartsIsBadUsage() {
        REDIS.command("XADD", DLQ, "*", "type", "t.x", "eventbus-reason", "handler-error");
        assertExit(
                2,
                cli("dlq", "list", "--handler", HANDLER, "--since", "2025-06-11", "--until", "2025-06-10"),
                "--since 2025-06-11 is after --until 2025-06-10");
        assertExit(
                2, cli("dlq", "discard", "--handler", HANDLER, "--since", "1h", "--until", "2h"), "is after --until");
        assertExit(
                2,
                cli("replay", HANDLER, "--from", "1718000000000-5", "--to", "1718000000000-4"),
                "--from 1718000000000-5 is after --to 1718000000000-4");
        assertExit(2, cli("replay", HANDLER, "--from", "now", "--to", "1d"), "is after --to");
        assertEquals(1L, REDIS.command("XLEN", DLQ), "nothing was discarded");

        assertExit(0, cli("dlq", "list", "--handler", HANDLER, "--since", "2025-06-10", "--until", "now"));
        assertExit(0, cli("replay", HANDLER, "--from", "1718000000000-4", "--to", "1718000000000-4", "--dry-run"));
    }

    /** A negative rate or limit used to run anyway (--rate -5 replayed at full speed). */
    @Test
    void aNegativeRateOrLimitIsBadUsageAndChangesNothing() {
        REDIS.command("XADD", DLQ, "*", "type", "t.x", "eventbus-reason", "handler-error");
        assertExit(2, cli("replay", HANDLER, "--from", "0", "--rate", "-5"), "--rate -5: must be 0 (no limit) or more");
        assertExit(
                2,
                cli("replay", HANDLER, "--from", "0", "--limit", "-3", "--dry-run"),
                "--limit -3: must be at least 1");
        assertExit(2, cli("dlq", "redrive", "--handler", HANDLER, "--rate", "-1"), "--rate -1: must be 0");
        assertEquals(1L, REDIS.command("XLEN", DLQ), "nothing was redriven");
        assertExit(0, cli("replay", HANDLER, "--from", "0", "--rate", "0", "--limit", "1", "--dry-run"));
    }

    /**
     * Found from outside: {@code --limit 0} meant "no limit", against the help's "At most N": {@code dlq
     * redrive --limit 0 --dry-run} reported every dead letter. It is bad usage now, saying what
     * leaving it out does.
     */
    @Test
    void aLimitOfZeroIsBadUsageAndChangesNothing() {
        REDIS.command(
                "XADD", DLQ, "*", "type", "t.x", "eventbus-reason", "handler-error", "eventbus-source-stream", STREAM);
        String noLimit = "--limit 0: must be at least 1; leave it out for no limit";
        assertExit(2, cli("dlq", "redrive", "--handler", HANDLER, "--limit", "0", "--dry-run"), noLimit);
        assertExit(2, cli("dlq", "redrive", "--handler", HANDLER, "--limit", "0"), noLimit);
        assertExit(2, cli("dlq", "discard", "--handler", HANDLER, "--all", "--limit", "0"), noLimit);
        assertExit(
                2,
                cli("dlq", "list", "--handler", HANDLER, "--limit", "0"),
                "--limit 0: must be at least 1; leave it out for the first 100");
        assertExit(
                2,
                cli("replay", HANDLER, "--from", "0", "--limit", "0"),
                "--limit 0: must be at least 1; leave it out for the whole range");
        assertEquals(1L, REDIS.command("XLEN", DLQ), "nothing was redriven or discarded");
        assertEquals(0L, REDIS.command("XLEN", STREAM), "nothing was replayed or redriven");
        assertExit(0, cli("dlq", "redrive", "--handler", HANDLER, "--limit", "1", "--dry-run"));
    }

    /**
     * Found from outside: a misspelt --reason matched nothing and said so as a result, exit 0 ("0 dead
     * letter(s) shown", "0 matched, 0 discarded"), as if the handler had none of that reason.
     */
    @Test
    void aReasonNoDeadLetterCanHaveIsBadUsageAndChangesNothing() {
        REDIS.command("XADD", DLQ, "*", "type", "t.x", "eventbus-reason", "handler-error");
        String[][] commands = {
            {"dlq", "list", "--handler", HANDLER, "--reason", "handler_error"},
            {"dlq", "discard", "--handler", HANDLER, "--reason", "Handler-Error"},
            {"dlq", "redrive", "--handler", HANDLER, "--reason", "handler-eror"},
        };
        for (String[] command : commands) {
            assertExit(
                    2,
                    cli(command),
                    "--reason '" + command[command.length - 1] + "' is not a dead-letter reason",
                    "handler-error, timeout, rpc-status, decode, too-large, max-deliveries, trimmed");
        }
        assertEquals(1L, REDIS.command("XLEN", DLQ), "nothing was discarded or redriven");
        CliRun listed = cli("dlq", "list", "--handler", HANDLER, "--reason", "handler-error");
        assertExit(0, listed);
        assertTrue(listed.out().contains("1 dead letter(s) shown"), listed::toString);
    }

    @Test
    void anUnknownHandlerIsAnOperationalFailureEverywhere() {
        String[][] commands = {
            {"dlq", "list", "--handler", "nobody"},
            {"dlq", "show", "--handler", "nobody", "1-0"},
            {"dlq", "redrive", "--handler", "nobody"},
            {"dlq", "discard", "--handler", "nobody", "--all"},
            {"replay", "nobody", "--from", "0"},
            {"status", "--handler", "nobody", "--admin", "127.0.0.1:1"},
        };
        for (String[] command : commands) {
            CliRun run = cli(command);
            assertEquals(1, run.exit(), String.join(" ", command) + ": " + run);
            assertTrue((run.err() + run.out()).contains("nobody"), String.join(" ", command) + ": " + run);
        }
        assertExit(1, cli("dlq", "list", "--handler", "nobody"), "no handler 'nobody'");

        // Dead letters named by id and not there: nothing found, as for dlq show.
        String there =
                String.valueOf(REDIS.command("XADD", DLQ, "*", "type", "t.x", "eventbus-reason", "handler-error"));
        assertExit(1, cli("dlq", "show", "--handler", HANDLER, "1-1"), "no dead letter 1-1");
        assertExit(1, cli("dlq", "redrive", "--handler", HANDLER, "1-1"), "1 of the given dead-letter ids not found");
        assertExit(
                1,
                cli("dlq", "discard", "--handler", HANDLER, "1-1", there),
                "1 of the given dead-letter ids not found");
        assertEquals(0L, REDIS.command("XLEN", DLQ), "the one that was there is discarded");
        assertExit(0, cli("dlq", "list", "--handler", HANDLER), new String[0]);
    }

    @Test
    void dlqListCutsHugeFieldsAndDlqShowPrintsThemWhole() {
        String huge = "x".repeat(10 << 20);
        String id = String.valueOf(REDIS.command(
                "XADD",
                DLQ,
                "*",
                "type",
                "t.x",
                "subject",
                huge,
                "eventbus-reason",
                "handler-error",
                "eventbus-error-message",
                "boom\nforged line"));

        CliRun list = cli("dlq", "list", "--handler", HANDLER);
        assertExit(0, list);
        assertTrue(
                list.out().length() < 4_000,
                "the table stays small: " + list.out().length() + " chars");
        assertTrue(list.out().contains("x".repeat(100) + "…[+" + ((10 << 20) - 100) + "]"), list.out());
        assertFalse(list.out().contains("\nforged line"), list.out());

        CliRun json = cli("dlq", "list", "--handler", HANDLER, "--json");
        assertExit(0, json);
        assertTrue(
                json.out().length() < 10_000,
                "the JSON stays small: " + json.out().length() + " chars");

        CliRun show = cli("dlq", "show", "--handler", HANDLER, id);
        assertExit(0, show);
        assertTrue(show.out().contains(huge), "show prints the whole field");
    }
}
