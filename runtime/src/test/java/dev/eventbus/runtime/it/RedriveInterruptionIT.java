package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.runtime.Main;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eventbus dlq redrive} in a real process, stopped for real half-way: killed ({@code kill
 * -9}) and interrupted (SIGINT). Each redrive step is atomic, so every dead letter is either still
 * in the dead-letter stream or its copy is on the source stream, never both (redriven again, the
 * event would go twice under a new idempotency key: a double charge) and never neither.
 *
 * <p>The stop lands inside a step on purpose: the test keeps Redis busy with a script of its own
 * while the redrive paces along, so the redrive's next command waits, sent, in Redis's input; then
 * the process is stopped, and Redis runs that command once the busy script ends. Found from outside:
 * the copy (an XADD) ran and the delete was never sent.
 */
class RedriveInterruptionIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final ChildJvm jvms = new ChildJvm();

    private static final String HANDLER = "mark-order-paid";
    private static final String STREAM = "orders";
    private static final String DLQ = "eventbus:dlq:" + HANDLER;
    private static final int DEAD_LETTERS = 150;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Keeps Redis busy for ARGV[1] microseconds: every other client's command waits meanwhile. */
    private static final String BUSY = """
            local t = redis.call('TIME')
            local start = t[1] * 1000000 + t[2]
            while true do
              local n = redis.call('TIME')
              if n[1] * 1000000 + n[2] - start > tonumber(ARGV[1]) then return 1 end
            end
            """;

    @TempDir
    Path dir;

    private Streams streams;
    private RedisClient busyClient;
    private Path config;
    private List<String> deadLetters;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        streams = new Streams(REDIS.uri());
        streams.createGroup(STREAM, HANDLER);
        deadLetters = new ArrayList<>();
        for (int i = 0; i < DEAD_LETTERS; i++) {
            deadLetters.add(streams.redis()
                    .xadd(
                            DLQ,
                            Map.of(
                                    "type",
                                    "orders.paid",
                                    "id",
                                    "order-" + i,
                                    "data",
                                    "{\"amount\":" + i + "}",
                                    "eventbus-reason",
                                    "handler-error",
                                    "eventbus-source-stream",
                                    STREAM,
                                    "eventbus-source-id",
                                    "1-" + i,
                                    "eventbus-handler",
                                    HANDLER)));
        }
        config = Files.writeString(
                dir.resolve("operator.conf"),
                "eventbus.redis.uri = \"" + REDIS.uri() + "\"\n" + "eventbus.admin.audit-log = \""
                        + dir.resolve("audit.log") + "\"\n");
    }

    @AfterEach
    void tearDown() {
        started.forEach(Process::destroyForcibly);
        streams.close();
        if (busyClient != null) {
            busyClient.shutdown();
        }
    }

    @Test
    void killedMidStepLeavesEachDeadLetterEitherListedOrRedrivenAndASecondRedriveFinishesWithoutDuplicates()
            throws Exception {
        Process redrive = startRedrive(dir.resolve("first-out.log"), dir.resolve("first-err.log"));
        awaitCopies(5);
        try (StatefulRedisConnection<String, String> busy = busyConnection()) {
            RedisFuture<Object> script = keepRedisBusy(busy, Duration.ofMillis(1500));
            Thread.sleep(500); // the redrive's next step is sent and waits in Redis's input
            redrive.destroyForcibly(); // kill -9 while it waits
            assertTrue(redrive.waitFor(10, TimeUnit.SECONDS));
            script.get(10, TimeUnit.SECONDS); // then Redis runs what the killed process sent
        }

        Map<String, Integer> copies = copiesByDeadLetter();
        Set<String> listed = listed();
        assertEachEitherListedOrRedriven(copies, listed);
        assertTrue(listed.size() > 0 && listed.size() < DEAD_LETTERS, "stopped half-way: " + listed.size());

        ChildJvm.Ended again = jvms.runToEnd(
                List.of(), Main.class, args(List.of()), Files.createDirectories(dir.resolve("second")), WAIT);
        assertEquals(0, again.exit(), again.toString());
        assertTrue(
                again.out()
                        .contains("redrive " + HANDLER + ": " + listed.size() + " matched, " + listed.size()
                                + " redriven, 0 left in place"),
                again.out());
        assertEquals(Set.of(), listed(), "every dead letter redriven");
        Map<String, Integer> all = copiesByDeadLetter();
        assertEquals(new HashSet<>(deadLetters), all.keySet(), "each has its copy");
        assertTrue(all.values().stream().allMatch(n -> n == 1), "none twice: " + all);
        assertEquals(DEAD_LETTERS, streams.redis().xlen(STREAM));
    }

    @Test
    void sigintFinishesTheStepInProgressThenPrintsTheSummaryAuditsAndExits130() throws Exception {
        Path out = dir.resolve("out.log");
        Path err = dir.resolve("err.log");
        Process redrive = startRedrive(out, err);
        awaitCopies(5);
        try (StatefulRedisConnection<String, String> busy = busyConnection()) {
            RedisFuture<Object> script = keepRedisBusy(busy, Duration.ofMillis(1500));
            Thread.sleep(500); // the redrive's next step is sent and waits in Redis's input
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(redrive.pid()))
                    .inheritIO()
                    .start();
            assertEquals(0, kill.waitFor());
            script.get(10, TimeUnit.SECONDS);
        }
        assertTrue(redrive.waitFor(30, TimeUnit.SECONDS), "ended after the step in progress");
        String printed = Files.readString(out);
        assertEquals(130, redrive.exitValue(), printed + Files.readString(err));

        Map<String, Integer> copies = copiesByDeadLetter();
        Set<String> listed = listed();
        assertEachEitherListedOrRedriven(copies, listed);
        int redriven = copies.size();
        assertTrue(redriven > 0 && redriven < DEAD_LETTERS, "stopped half-way: " + redriven);
        assertTrue(
                printed.contains("redrive " + HANDLER + ": " + redriven + " matched, " + redriven
                        + " redriven, 0 left in place; interrupted by SIGINT (each one done whole; the dead "
                        + "letters not reached are untouched: the same command again goes on)"),
                "the summary counts the step that was in progress too: " + printed);
        List<String> audit = Files.readAllLines(dir.resolve("audit.log"));
        assertEquals(1, audit.size(), audit.toString());
        JsonNode line = JSON.readTree(audit.get(0));
        assertEquals("dlq.redrive", line.get("action").asText());
        assertEquals(redriven, line.get("count").asInt(), line.toString());
        assertEquals("SIGINT", line.get("stoppedBy").asText(), line.toString());
    }

    @Test
    void sigtermStopsAReplayBetweenTwoEntriesWithItsSummaryAndAuditLineAndExits143() throws Exception {
        for (int i = 0; i < 100; i++) {
            streams.publish(STREAM, Map.of("type", "orders.paid", "id", "order-" + i));
        }
        // The hint ends at the range's end: not at whatever is the last entry when it is followed.
        String lastId = streams.redis()
                .xrevrange(STREAM, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1))
                .get(0)
                .getId();
        Path out = dir.resolve("replay-out.log");
        Process replay = start(
                List.of("replay", HANDLER, "--stream", STREAM, "--from", "0", "--rate", "20", "-c", config.toString()),
                out,
                dir.resolve("replay-err.log"));
        awaitCopies(105);
        replay.destroy(); // SIGTERM
        assertTrue(replay.waitFor(30, TimeUnit.SECONDS));
        String printed = Files.readString(out);
        assertEquals(143, replay.exitValue(), printed + Files.readString(dir.resolve("replay-err.log")));
        long copies = streams.redis().xlen(STREAM) - 100;
        assertTrue(copies > 0 && copies < 100, "stopped half-way: " + copies);
        assertTrue(
                printed.contains("replay " + HANDLER + " on " + STREAM + ": " + copies + " entries replayed")
                        && printed.contains(
                                "; interrupted by SIGTERM (each one done whole; the entries of " + STREAM + " after ")
                        && printed.contains(" --to " + lastId + " goes on)"),
                printed);
        JsonNode line =
                JSON.readTree(Files.readAllLines(dir.resolve("audit.log")).get(0));
        assertEquals("replay", line.get("action").asText());
        assertEquals(copies, line.get("count").asLong(), line.toString());
        assertEquals("SIGTERM", line.get("stoppedBy").asText(), line.toString());
    }

    /** The redrive, paced (20 a second), its output in {@code out} and {@code err}. */
    private Process startRedrive(Path out, Path err) throws Exception {
        return start(args(List.of("--rate", "20")), out, err);
    }

    /** The CLI with these arguments in a JVM of its own, its output in {@code out} and {@code err}. */
    private Process start(List<String> args, Path out, Path err) throws Exception {
        // SIGINT reset to its default: a JVM started with it ignored (a build run in the background
        // by a shell without job control) never hears it.
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT,TERM"));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        started.add(p);
        return p;
    }

    private final List<Process> started = new ArrayList<>();

    private List<String> args(List<String> extra) {
        List<String> args = new ArrayList<>(List.of("dlq", "redrive", "--handler", HANDLER, "-c", config.toString()));
        args.addAll(extra);
        return args;
    }

    private void awaitCopies(long n) throws InterruptedException {
        Streams.await(n + " copies appended", WAIT, () -> streams.redis().xlen(STREAM) >= n);
    }

    private StatefulRedisConnection<String, String> busyConnection() {
        busyClient = RedisClient.create(REDIS.uri());
        return busyClient.connect();
    }

    private static RedisFuture<Object> keepRedisBusy(StatefulRedisConnection<String, String> connection, Duration d) {
        return connection
                .async()
                .eval(BUSY, ScriptOutputType.INTEGER, new String[0], Long.toString(d.toNanos() / 1000));
    }

    /** The copies on the source stream, counted by the dead letter each redrives. */
    private Map<String, Integer> copiesByDeadLetter() {
        Map<String, Integer> copies = new HashMap<>();
        for (StreamMessage<String, String> m : streams.redis().xrange(STREAM, io.lettuce.core.Range.create("-", "+"))) {
            String of = m.getBody().get("eventbus-redrive-of");
            if (of != null) {
                copies.merge(of, 1, Integer::sum);
            }
        }
        return copies;
    }

    private Set<String> listed() {
        Set<String> ids = new HashSet<>();
        streams.redis().xrange(DLQ, io.lettuce.core.Range.create("-", "+")).forEach(m -> ids.add(m.getId()));
        return ids;
    }

    private void assertEachEitherListedOrRedriven(Map<String, Integer> copies, Set<String> listed) {
        List<String> both = new ArrayList<>();
        List<String> neither = new ArrayList<>();
        for (String id : deadLetters) {
            boolean copied = copies.containsKey(id);
            if (copied && listed.contains(id)) {
                both.add(id);
            }
            if (!copied && !listed.contains(id)) {
                neither.add(id);
            }
        }
        assertEquals(List.of(), both, "dead letters both redriven and still listed (would go twice)");
        assertEquals(List.of(), neither, "dead letters neither listed nor redriven (lost)");
        assertTrue(copies.values().stream().allMatch(n -> n == 1), "a dead letter copied twice: " + copies);
    }
}
