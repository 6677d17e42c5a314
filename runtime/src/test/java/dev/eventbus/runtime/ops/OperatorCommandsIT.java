package dev.eventbus.runtime.ops;

import static io.lettuce.core.XGroupCreateArgs.Builder.mkstream;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.runtime.fixtures.OpsBystanderHandler;
import dev.eventbus.runtime.fixtures.OpsFailingHandler;
import dev.eventbus.runtime.internal.EntryIds;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.RedisExtension;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operator command end to end, through {@code EventbusCommand.commandLine().execute(...)},
 * against a real runtime (real Redis, real plugin JAR, real gRPC service): exit codes and output.
 */
class OperatorCommandsIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String FAILING = OpsFailingHandler.NAME;
    private static final String BYSTANDER = OpsBystanderHandler.NAME;

    @TempDir
    Path dir;

    private OpsHarness ops;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        ops = OpsHarness.create(dir, REDIS.uri());
    }

    @AfterEach
    void tearDown() throws Exception {
        ops.close();
    }

    /** Publishes n events the failing handler dead-letters; waits until both handlers are through. */
    private List<String> deadLetter(int n) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(ops.publish("s-" + i, "fail", "yes"));
        }
        OpsHarness.await(n + " dead letters", WAIT, () -> ops.redis().xlen("eventbus:dlq:" + FAILING) == n);
        OpsHarness.await(
                "bystander handled all", WAIT, () -> ops.callsOf(BYSTANDER).size() == n);
        return ids;
    }

    @Test
    void pluginsReloadDrainsAndLoadsThePluginAgainThroughTheAdminApi() throws Exception {
        OpsHarness h = ops;
        h.start();
        String admin = h.adminAddress();
        var before = h.runtime().view().handlers().get(0).classLoader();

        OpsHarness.Cli reload = h.cli("plugins", "reload", "ops-fixtures", "--admin", admin);
        assertEquals(0, reload.exit(), reload.toString());
        assertTrue(
                reload.out().contains("ops-fixtures 2.0.0 running, reloaded from ops-fixtures-2.0.0.jar"),
                reload.out());
        assertTrue(
                h.runtime().view().handlers().get(0).classLoader() != before, "a fresh class loader after the reload");

        OpsHarness.Cli list = h.cli("plugins", "list", "--admin", admin);
        assertEquals(0, list.exit(), list.toString());
        assertEquals("", list.err(), "the runtime answered");
        assertTrue(
                list.out()
                        .lines()
                        .anyMatch(
                                l -> l.matches(
                                        "ops-fixtures\\s+2\\.0\\.0\\s+ops-failing\\s+running\\s+ops-stream: ops\\.event\\s+orders\\.v1\\.OrderService")),
                list.out());
        JsonNode shown = JSON.readTree(h.cli("plugins", "show", "ops-fixtures", "--json", "--admin", admin)
                .out());
        assertEquals(
                "ops-fixtures-2.0.0.jar",
                shown.get("plugins").get(0).get("source").asText());
        assertEquals(
                "running",
                shown.get("plugins").get(0).get("handlers").get(0).get("state").asText());
        assertEquals(1, h.cli("plugins", "show", "nope", "--admin", admin).exit());

        OpsHarness.Cli unknown = h.cli("plugins", "reload", "nope", "--admin", admin);
        assertEquals(1, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("no plugin 'nope'"), unknown.err());

        try (var jars = java.nio.file.Files.list(h.plugins)) {
            java.nio.file.Path jar = jars.findFirst().orElseThrow();
            java.nio.file.Files.write(jar, new byte[] {1, 2, 3}); // a broken replacement
        }
        OpsHarness.Cli refused = h.cli("plugins", "reload", "ops-fixtures", "--admin", admin);
        assertEquals(1, refused.exit(), refused.toString());
        assertTrue(
                refused.err().contains("reload of ops-fixtures: refused: not a readable JAR")
                        && refused.err().contains("ops-fixtures 2.0.0 keeps running"),
                refused.err());
        assertEquals(2, h.runtime().view().handlers().size(), "the running version keeps running");

        h.stop();
        OpsHarness.Cli down = h.cli("plugins", "reload", "ops-fixtures", "--admin", admin);
        assertEquals(1, down.exit(), down.toString());
        assertTrue(
                down.err().contains("cannot reload ops-fixtures: the runtime at " + admin + " did not answer"),
                down.err());
        OpsHarness.Cli noAddress = h.cli("plugins", "reload", "ops-fixtures");
        assertEquals(1, noAddress.exit(), noAddress.toString());
        assertTrue(noAddress.err().contains("eventbus.admin.grpc-port is 0"), noAddress.err());
    }

    @Test
    void anEventOfMoreFieldsThanAScriptCanPassIsDeadLetteredAndRedrivenWhole() throws Exception {
        // Lua refuses a command of about 8,000 arguments: no script can store or redrive this event
        // (4,003 fields), so both go in two steps, the copy first.
        List<String> headers = new ArrayList<>(List.of("fail", "yes"));
        for (int i = 0; i < 4_000; i++) {
            headers.add("h" + i);
            headers.add("v" + i);
        }
        ops.start();
        String id = ops.publish("s-big", headers.toArray(String[]::new));
        OpsHarness.await("dead-lettered", WAIT, () -> ops.redis().xlen("eventbus:dlq:" + FAILING) == 1);
        OpsHarness.await("caught up", WAIT, () -> ops.caughtUp(FAILING) && ops.caughtUp(BYSTANDER));
        StreamMessage<String, String> letter = ops.redis()
                .xrange("eventbus:dlq:" + FAILING, Range.create("-", "+"))
                .get(0);
        assertEquals(id, letter.getBody().get("eventbus-source-id"));
        assertEquals("v3999", letter.getBody().get("h3999"), "every field kept");

        ops.deployFix();
        OpsHarness.Cli redrive = ops.cli("dlq", "redrive", "--handler", FAILING);

        assertEquals(0, redrive.exit(), redrive.toString());
        assertTrue(redrive.out().contains("1 matched, 1 redriven, 0 left in place"), redrive.toString());
        assertEquals(0, ops.redis().xlen("eventbus:dlq:" + FAILING), "deleted once its copy was stored");
        OpsHarness.await(
                "the redriven event handled", WAIT, () -> ops.callsOf(FAILING).size() == 1);
        StreamMessage<String, String> copy =
                ops.redis().xrevrange(OpsHarness.STREAM, Range.create("-", "+")).get(0);
        assertEquals(letter.getId(), copy.getBody().get("eventbus-redrive-of"));
        assertEquals("v3999", copy.getBody().get("h3999"), "every field redriven");
    }

    @Test
    void redriveOfOneHundredDeadLettersReachesOnlyTheFailedHandler() throws Exception {
        ops.start();
        deadLetter(100);
        assertEquals(0, ops.callsOf(FAILING).size());
        OpsHarness.await("bystander caught up", WAIT, () -> ops.caughtUp(BYSTANDER));
        long streamLength = ops.redis().xlen(OpsHarness.STREAM);

        OpsHarness.Cli dry = ops.cli("dlq", "redrive", "--handler", FAILING, "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.out().contains("100 matched, 100 would be redriven, 0 left in place"), dry.toString());
        assertTrue(dry.err().contains("redrive (dry run): 100 would be redriven, 0 left alone"), dry.toString());
        assertEquals(100, ops.redis().xlen("eventbus:dlq:" + FAILING), "a dry run changes nothing");
        assertEquals(streamLength, ops.redis().xlen(OpsHarness.STREAM));

        ops.deployFix(); // the fix is deployed
        OpsHarness.Cli redrive = ops.cli("dlq", "redrive", "--handler", FAILING, "--rate", "2000");
        assertEquals(0, redrive.exit(), redrive.toString());
        assertTrue(
                redrive.out().contains("redrive " + FAILING + ": 100 matched, 100 redriven, 0 left in place"),
                redrive.toString());
        assertTrue(redrive.err().contains("redrive: 100 done"), "progress on stderr: " + redrive.err());

        OpsHarness.await(
                "failing handler handled the 100 redriven events",
                WAIT,
                () -> ops.callsOf(FAILING).size() == 100);
        OpsHarness.await("both groups caught up", WAIT, () -> ops.caughtUp(FAILING) && ops.caughtUp(BYSTANDER));
        assertEquals(
                0, ops.redis().xlen("eventbus:dlq:" + FAILING), "each dead letter deleted after its copy was stored");
        assertEquals(100, ops.callsOf(BYSTANDER).size(), "the other handler of the stream saw nothing new");
        Set<String> subjects =
                ops.callsOf(FAILING).stream().map(ReceivedCall::orderId).collect(Collectors.toSet());
        assertEquals(100, subjects.size());
        assertEquals(streamLength + 100, ops.redis().xlen(OpsHarness.STREAM));

        // The copies carry the routing and keep the original event id.
        List<StreamMessage<String, String>> copies =
                ops.redis().xrange(OpsHarness.STREAM, Range.create("-", "+")).stream()
                        .filter(m -> m.getBody().containsKey("eventbus-redrive-of"))
                        .toList();
        assertEquals(100, copies.size());
        for (StreamMessage<String, String> copy : copies) {
            assertEquals(FAILING, copy.getBody().get("eventbus-target-handler"));
            assertNotNull(copy.getBody().get("id"));
            assertFalse(
                    copy.getBody().keySet().stream()
                            .anyMatch(k -> k.equals("eventbus-reason") || k.equals("eventbus-source-id")),
                    "no provenance fields in the copy");
        }
        Set<String> eventIds =
                ops.callsOf(FAILING).stream().map(ReceivedCall::requestEventId).collect(Collectors.toSet());
        assertEquals(copies.stream().map(c -> c.getBody().get("id")).collect(Collectors.toSet()), eventIds);

        List<String> audit = Files.readAllLines(ops.auditLog);
        assertEquals(1, audit.size(), "dry runs are not audited");
        JsonNode line = JSON.readTree(audit.get(0));
        assertEquals("dlq.redrive", line.get("action").asText());
        assertEquals(100, line.get("count").asInt());
        assertEquals(FAILING, line.get("handler").asText());
        assertEquals(System.getProperty("user.name"), line.get("who").asText());
        assertNotNull(Instant.parse(line.get("time").asText()));
    }

    @Test
    void replayOfATimeRangeRedeliversExactlyThatRangeToOneHandler() throws Exception {
        ops.start();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(ops.publish("r-" + i));
            Thread.sleep(3); // one entry per millisecond, so a time range selects exact entries
        }
        OpsHarness.await(
                "both handlers handled 30",
                WAIT,
                () -> ops.callsOf(FAILING).size() == 30
                        && ops.callsOf(BYSTANDER).size() == 30);
        Instant from = EntryIds.time(ids.get(10));
        Instant to = EntryIds.time(ids.get(19));

        OpsHarness.Cli replay = ops.cli(
                "replay", FAILING, "--stream", OpsHarness.STREAM, "--from", from.toString(), "--to", to.toString());
        assertEquals(0, replay.exit(), replay.toString());
        assertTrue(
                replay.out().contains("10 entries replayed (" + ids.get(10) + " .. " + ids.get(19) + ")"),
                replay.toString());
        assertTrue(replay.err().contains("replay: 10 done"), replay.err());

        OpsHarness.await(
                "10 replays handled",
                WAIT,
                () -> ops.callsOf(FAILING + "/replay").size() == 10);
        OpsHarness.await("both groups caught up", WAIT, () -> ops.caughtUp(FAILING) && ops.caughtUp(BYSTANDER));
        Set<String> replayed = ops.callsOf(FAILING + "/replay").stream()
                .map(ReceivedCall::orderId)
                .collect(Collectors.toSet());
        Set<String> expected = new HashSet<>();
        for (int i = 10; i < 20; i++) {
            expected.add("r-" + i);
        }
        assertEquals(expected, replayed, "exactly the range, each once");
        assertEquals(30, ops.callsOf(FAILING).size(), "no ordinary redelivery");
        assertEquals(30, ops.callsOf(BYSTANDER).size(), "the other handler saw nothing new");
        assertEquals(0, ops.callsOf(BYSTANDER + "/replay").size());
        Set<String> eventIds = ops.callsOf(FAILING + "/replay").stream()
                .map(ReceivedCall::requestEventId)
                .collect(Collectors.toSet());
        assertEquals(new HashSet<>(ids.subList(10, 20)), eventIds, "a replay keeps the original event id");

        // A second replay over everything leaves out the copies of the first.
        OpsHarness.Cli again = ops.cli("replay", FAILING, "--from", ids.get(0), "--dry-run");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(
                again.out()
                        .contains("dry run: replay " + FAILING + " on " + OpsHarness.STREAM
                                + ": 30 entries would be replayed"),
                again.toString());
        assertTrue(again.out().contains("10 left out"), again.toString());
        assertTrue(again.err().contains("replay (dry run): 30 would be replayed"), again.toString());

        JsonNode audit = JSON.readTree(Files.readAllLines(ops.auditLog).get(0));
        assertEquals("replay", audit.get("action").asText());
        assertEquals(10, audit.get("count").asInt());
        assertEquals(OpsHarness.STREAM, audit.get("stream").asText());
    }

    @Test
    void dlqListShowAndDiscardWithFilters() throws Exception {
        ops.start();
        deadLetter(6);

        OpsHarness.Cli list = ops.cli("dlq", "list", "--handler", FAILING);
        assertEquals(0, list.exit(), list.toString());
        assertTrue(list.out().startsWith("ID"), list.out());
        assertTrue(list.out().contains("6 dead letter(s) shown; eventbus:dlq:" + FAILING + " holds 6"), list.out());
        assertTrue(list.out().contains("bug: cannot handle subject s-3"), list.out());

        OpsHarness.Cli json = ops.cli(
                "dlq",
                "list",
                "--handler",
                FAILING,
                "--subject",
                "s-4",
                "--reason",
                "handler-error",
                "--error",
                "CANNOT HANDLE",
                "--since",
                "1h",
                "--until",
                "now",
                "--json");
        assertEquals(0, json.exit(), json.toString());
        JsonNode rows = JSON.readTree(json.out());
        assertEquals(1, rows.size(), json.out());
        JsonNode row = rows.get(0);
        assertEquals("s-4", row.get("subject").asText());
        assertEquals("ops-fixtures", row.get("plugin").asText());
        assertEquals(OpsHarness.STREAM, row.get("sourceStream").asText());
        assertEquals(
                "dev.eventbus.api.NonRetriableEventException",
                row.get("errorClass").asText());
        String id = row.get("id").asText();

        assertEquals(
                "[]",
                ops.cli("dlq", "list", "--handler", FAILING, "--reason", "decode", "--json")
                        .out()
                        .replaceAll("\\s", ""));

        ops.redis()
                .xadd(
                        "eventbus:dlq:" + FAILING,
                        Map.of(
                                "type",
                                "x",
                                "data",
                                "{\"card\":\"4111\"}",
                                "eventbus-reason",
                                "decode",
                                "eventbus-source-stream",
                                OpsHarness.STREAM));
        OpsHarness.Cli show = ops.cli("dlq", "show", "--handler", FAILING, id);
        assertEquals(0, show.exit(), show.toString());
        assertTrue(show.out().contains("eventbus-error-message"), show.out());
        assertTrue(show.out().contains("s-4"), show.out());
        String withData = ops.cli("dlq", "list", "--handler", FAILING, "--reason", "decode", "--json")
                .out();
        String decodeId = JSON.readTree(withData).get(0).get("id").asText();
        OpsHarness.Cli hidden = ops.cli("dlq", "show", "--handler", FAILING, decodeId, "--json");
        assertFalse(hidden.out().contains("4111"), "the payload stays hidden by default: " + hidden.out());
        assertTrue(
                JSON.readTree(hidden.out()).get("fields").get("data").asText().contains("bytes; --show-data"));
        OpsHarness.Cli shown = ops.cli("dlq", "show", "--handler", FAILING, decodeId, "--show-data", "--json");
        assertEquals(
                "{\"card\":\"4111\"}",
                JSON.readTree(shown.out()).get("fields").get("data").asText());
        OpsHarness.Cli missing = ops.cli("dlq", "show", "--handler", FAILING, "1-1");
        assertEquals(1, missing.exit(), missing.toString());

        OpsHarness.Cli noSelection = ops.cli("dlq", "discard", "--handler", FAILING);
        assertEquals(2, noSelection.exit(), noSelection.toString());
        assertTrue(noSelection.err().contains("--all"), noSelection.err());

        OpsHarness.Cli dry = ops.cli("dlq", "discard", "--handler", FAILING, "--subject", "s-1", "--dry-run");
        assertEquals(0, dry.exit(), dry.toString());
        assertTrue(dry.out().contains("1 matched, 1 would be discarded"), dry.out());
        assertTrue(dry.err().contains("discard (dry run): 1 would be discarded, 0 left alone"), dry.toString());
        assertEquals(7, ops.redis().xlen("eventbus:dlq:" + FAILING));

        OpsHarness.Cli one = ops.cli("dlq", "discard", "--handler", FAILING, id);
        assertEquals(0, one.exit(), one.toString());
        assertTrue(one.out().contains("1 matched, 1 discarded"), one.out());
        OpsHarness.Cli rest = ops.cli("dlq", "discard", "--handler", FAILING, "--all", "--limit", "2");
        assertTrue(rest.out().contains("2 matched, 2 discarded"), rest.out());
        assertEquals(4, ops.redis().xlen("eventbus:dlq:" + FAILING));

        // A loss record has no original fields: redrive leaves it in place and says why.
        ops.redis()
                .xadd(
                        "eventbus:dlq:" + FAILING,
                        Map.of(
                                "eventbus-reason",
                                "trimmed",
                                "eventbus-source-stream",
                                OpsHarness.STREAM,
                                "eventbus-source-id",
                                "1-0"));
        OpsHarness.Cli redrive = ops.cli("dlq", "redrive", "--handler", FAILING, "--reason", "trimmed");
        assertEquals(1, redrive.exit(), redrive.toString());
        assertTrue(redrive.out().contains("1 matched, 0 redriven, 1 left in place"), redrive.out());
        assertTrue(redrive.err().contains("no original fields"), redrive.err());
        assertEquals(5, ops.redis().xlen("eventbus:dlq:" + FAILING));

        List<String> audit = Files.readAllLines(ops.auditLog);
        assertEquals(3, audit.size(), audit.toString());
        assertEquals("dlq.discard", JSON.readTree(audit.get(1)).get("action").asText());
        assertEquals(2, JSON.readTree(audit.get(1)).get("count").asInt());
        assertEquals(
                "trimmed",
                JSON.readTree(audit.get(2)).get("filters").get("reason").asText());

        // A field given twice is shown twice, in order: the first may be why it was dead-lettered.
        String repeated = ops.redis()
                .xadd(
                        "eventbus:dlq:" + FAILING,
                        "type",
                        "x",
                        "time",
                        "first",
                        "time",
                        "second",
                        "eventbus-reason",
                        "decode",
                        "eventbus-source-stream",
                        OpsHarness.STREAM);
        OpsHarness.Cli both = ops.cli("dlq", "show", "--handler", FAILING, repeated);
        assertEquals(0, both.exit(), both.toString());
        assertTrue(both.out().matches("(?s).*\\ntime +first\\ntime +second\\n.*"), both.out());
        JsonNode times = JSON.readTree(ops.cli("dlq", "show", "--handler", FAILING, repeated, "--json")
                        .out())
                .get("fields")
                .get("time");
        assertEquals("[\"first\",\"second\"]", times.toString(), "a repeated name: its values in order");
    }

    @Test
    void aDeadLetterWithoutAllOfItsEventsFieldsIsLeftInPlaceByRedriveNotSentBackWithoutItsPayload() throws Exception {
        ops.close();
        ops = OpsHarness.create(
                dir.resolve("partial"),
                REDIS.uri(),
                Map.of(
                        "eventbus.consumer.max-event-bytes",
                        65_536,
                        "eventbus.recovery.max-deliveries",
                        1,
                        "eventbus.recovery.claim-idle",
                        "200ms",
                        "eventbus.recovery.interval",
                        "100ms"));
        String payload = "x".repeat(70_000);
        // Read once by a consumer that died: taken over, it is past max-deliveries and dead-lettered
        // as such, from the fields that fit (any reason, not only too-large, can be partial).
        ops.redis().xgroupCreate(XReadArgs.StreamOffset.from(OpsHarness.STREAM, "0"), FAILING, mkstream());
        ops.publish("big-crashing", "fail", "yes", "data", payload);
        ops.redis()
                .xreadgroup(
                        io.lettuce.core.Consumer.from(FAILING, "dead-1"),
                        XReadArgs.StreamOffset.lastConsumed(OpsHarness.STREAM));
        ops.start();
        ops.publish("big", "fail", "yes", "data", payload);
        ops.publish("small", "fail", "yes", "data", "{}");
        // A too-large dead letter an earlier version wrote, without the eventbus-partial mark.
        ops.redis()
                .xadd(
                        "eventbus:dlq:" + FAILING,
                        "type",
                        OpsHarness.TYPE,
                        "subject",
                        "big-old",
                        "eventbus-reason",
                        "too-large",
                        "eventbus-source-stream",
                        OpsHarness.STREAM,
                        "eventbus-source-id",
                        "1-0");
        OpsHarness.await("4 dead letters", WAIT, () -> ops.redis().xlen("eventbus:dlq:" + FAILING) == 4);
        OpsHarness.await("caught up", WAIT, () -> ops.caughtUp(FAILING));
        Map<String, StreamMessage<String, String>> bySubject =
                ops.redis().xrange("eventbus:dlq:" + FAILING, Range.create("-", "+")).stream()
                        .collect(Collectors.toMap(m -> m.getBody().get("subject"), m -> m));
        assertEquals(Set.of("big-crashing", "big", "small", "big-old"), bySubject.keySet());
        assertEquals("max-deliveries", bySubject.get("big-crashing").getBody().get("eventbus-reason"));
        assertFalse(bySubject.get("big-crashing").getBody().containsKey("data"), "only the fields that fit");
        assertTrue(
                bySubject.get("big-crashing").getBody().get("eventbus-partial").contains("of the entry's 70"),
                bySubject.get("big-crashing").getBody().toString());
        assertEquals("too-large", bySubject.get("big").getBody().get("eventbus-reason"));
        assertFalse(bySubject.get("small").getBody().containsKey("eventbus-partial"), "held whole");
        String tooLarge = bySubject.get("big").getId();
        long streamLength = ops.redis().xlen(OpsHarness.STREAM);
        ops.deployFix();

        OpsHarness.Cli one = ops.cli("dlq", "redrive", "--handler", FAILING, tooLarge);
        assertEquals(1, one.exit(), one.toString());
        assertTrue(
                one.out().contains("1 matched, 0 redriven, 1 left in place (1 of them too-large or otherwise"),
                one.toString());
        assertTrue(
                one.err().contains(tooLarge + ": reason too-large: it keeps only the fields that fit"), one.toString());
        assertTrue(one.err().contains("publish the event again from its source"), one.toString());

        OpsHarness.Cli dry = ops.cli("dlq", "redrive", "--handler", FAILING, "--dry-run");
        assertTrue(dry.out().contains("4 matched, 1 would be redriven, 3 left in place (3 of them"), dry.toString());
        OpsHarness.Cli byReason = ops.cli("dlq", "redrive", "--handler", FAILING, "--reason", "too-large");
        assertEquals(1, byReason.exit(), byReason.toString());
        assertTrue(byReason.out().contains("2 matched, 0 redriven, 2 left in place"), byReason.toString());
        assertEquals(streamLength, ops.redis().xlen(OpsHarness.STREAM), "nothing appended");

        OpsHarness.Cli all = ops.cli("dlq", "redrive", "--handler", FAILING);
        assertEquals(0, all.exit(), all.toString());
        assertTrue(all.out().contains("4 matched, 1 redriven, 3 left in place"), all.toString());
        assertTrue(all.err().contains("it holds only part of its entry (eventbus-partial: holds"), all.toString());
        OpsHarness.await(
                "the whole one handled", WAIT, () -> ops.callsOf(FAILING).size() == 1);
        assertEquals("small", ops.callsOf(FAILING).get(0).orderId());
        assertEquals(
                Set.of("big-crashing", "big", "big-old"),
                ops.redis().xrange("eventbus:dlq:" + FAILING, Range.create("-", "+")).stream()
                        .map(m -> m.getBody().get("subject"))
                        .collect(Collectors.toSet()),
                "the only records of the payloads are kept");
        assertEquals(streamLength + 1, ops.redis().xlen(OpsHarness.STREAM), "only the whole one appended");
    }

    @Test
    void dlqShowGivesAFieldNameThatIsNotUtf8AsBase64AsItDoesAValue() throws Exception {
        ops.start();
        RedisClient client = RedisClient.create(REDIS.uri());
        try (var bytes = client.connect(ByteArrayCodec.INSTANCE)) {
            Map<byte[], byte[]> fields = new LinkedHashMap<>();
            fields.put(utf8("type"), utf8(OpsHarness.TYPE));
            fields.put(utf8("subject"), utf8("s"));
            fields.put(new byte[] {(byte) 0xff, (byte) 0xfe}, utf8("v"));
            fields.put(utf8("k"), new byte[] {(byte) 0xff});
            bytes.sync().xadd(utf8(OpsHarness.STREAM), fields);
        } finally {
            client.shutdown();
        }
        OpsHarness.await("the decode dead letter", WAIT, () -> ops.redis().xlen("eventbus:dlq:" + FAILING) == 1);
        String id = ops.redis()
                .xrange("eventbus:dlq:" + FAILING, Range.create("-", "+"))
                .get(0)
                .getId();

        OpsHarness.Cli text = ops.cli("dlq", "show", "--handler", FAILING, id);
        assertEquals(0, text.exit(), text.toString());
        assertTrue(text.out().matches("(?s).*\\nbase64://4= +v\\n.*"), text.out());
        assertTrue(text.out().matches("(?s).*\\nk +base64:/w==\\n.*"), text.out());
        assertFalse(text.out().contains("\uFFFD"), text.out());
        OpsHarness.Cli json = ops.cli("dlq", "show", "--handler", FAILING, id, "--json");
        JsonNode shown = JSON.readTree(json.out()).get("fields");
        assertEquals("v", shown.path("base64://4=").asText(), json.out());
        assertEquals("base64:/w==", shown.path("k").asText(), json.out());
        assertFalse(json.out().contains("\uFFFD"), json.out());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void provenanceForgedByTheProducerIsKeptApartAndTheRuntimesIsWhatListShowAndRedriveFollow() throws Exception {
        ops.start();
        ops.publish(
                "forged",
                "fail",
                "yes",
                "eventbus-reason",
                "decode",
                "eventbus-source-stream",
                "elsewhere",
                "eventbus-error-class",
                "Forged",
                "original.eventbus-attempts",
                "99");
        OpsHarness.await("the dead letter", WAIT, () -> ops.redis().xlen("eventbus:dlq:" + FAILING) == 1);

        assertEquals(
                "[]",
                ops.cli("dlq", "list", "--handler", FAILING, "--reason", "decode", "--json")
                        .out()
                        .replaceAll("\\s", ""),
                "the producer's reason is not the dead letter's");
        assertEquals(
                "[]",
                ops.cli("dlq", "list", "--handler", FAILING, "--source-stream", "elsewhere", "--json")
                        .out()
                        .replaceAll("\\s", ""));
        OpsHarness.Cli list = ops.cli(
                "dlq",
                "list",
                "--handler",
                FAILING,
                "--reason",
                "handler-error",
                "--source-stream",
                OpsHarness.STREAM,
                "--error",
                "NonRetriable",
                "--json");
        JsonNode rows = JSON.readTree(list.out());
        assertEquals(1, rows.size(), list.toString());
        assertEquals(
                "dev.eventbus.api.NonRetriableEventException",
                rows.get(0).get("errorClass").asText());
        assertEquals("1", rows.get(0).get("attempts").asText());

        JsonNode shown = JSON.readTree(ops.cli(
                        "dlq",
                        "show",
                        "--handler",
                        FAILING,
                        rows.get(0).get("id").asText(),
                        "--json")
                .out());
        assertEquals(
                "handler-error", shown.get("provenance").get("eventbus-reason").asText());
        assertEquals(
                OpsHarness.STREAM,
                shown.get("provenance").get("eventbus-source-stream").asText());
        JsonNode kept = shown.get("fields");
        assertEquals("decode", kept.get("original.eventbus-reason").asText(), shown.toString());
        assertEquals("elsewhere", kept.get("original.eventbus-source-stream").asText());
        assertEquals("99", kept.get("original.original.eventbus-attempts").asText());
        assertFalse(kept.has("eventbus-reason"), shown.toString());

        ops.deployFix();
        OpsHarness.Cli redrive = ops.cli("dlq", "redrive", "--handler", FAILING, "--reason", "handler-error");
        assertEquals(0, redrive.exit(), redrive.toString());
        assertTrue(redrive.out().contains("1 matched, 1 redriven, 0 left in place"), redrive.toString());
        OpsHarness.await(
                "the redriven event handled", WAIT, () -> ops.callsOf(FAILING).size() == 1);
        StreamMessage<String, String> copy = ops.redis().xrange(OpsHarness.STREAM, Range.create("-", "+")).stream()
                .filter(m -> m.getBody().containsKey("eventbus-redrive-of"))
                .findFirst()
                .orElseThrow();
        assertEquals(FAILING, copy.getBody().get("eventbus-target-handler"));
        assertEquals(
                "decode", copy.getBody().get("eventbus-reason"), "the producer's fields come back as it wrote them");
        assertEquals("elsewhere", copy.getBody().get("eventbus-source-stream"));
        assertEquals("Forged", copy.getBody().get("eventbus-error-class"));
        assertEquals("99", copy.getBody().get("original.eventbus-attempts"));
        assertFalse(copy.getBody().containsKey("eventbus-source-id"), "no provenance in the copy");
    }

    @Test
    void statusShowsCallsRunningAgainstMaxInFlightAndReadAheadApart() throws Exception {
        ops.close();
        ops = OpsHarness.create(
                dir,
                REDIS.uri(),
                Map.of(
                        "eventbus.handler-defaults.max-in-flight",
                        2,
                        "eventbus.consumer.read-ahead",
                        5,
                        "eventbus.grpc.defaults.deadline",
                        "60s"));
        ops.orders.slowFor(Duration.ofSeconds(20)).behaviour(dev.eventbus.samples.orders.OrderServer.Behaviour.SLOW);
        ops.start();
        for (int i = 0; i < 12; i++) {
            ops.publish("busy-" + i);
        }
        String admin = ops.adminAddress();
        String pattern = "\\s+ops-stream\\s+running\\s+1\\s+2/2\\s+5/5\\s+.*";
        OpsHarness.await("both handlers saturated", WAIT, () -> {
            List<String> lines =
                    ops.cli("status", "--admin", admin).out().lines().toList();
            return lines.stream().anyMatch(l -> l.matches(FAILING + pattern))
                    && lines.stream().anyMatch(l -> l.matches(BYSTANDER + pattern));
        });
        JsonNode row = JSON.readTree(ops.cli("status", "--handler", FAILING, "--json", "--admin", admin)
                        .out())
                .get("subscriptions")
                .get(0);
        assertEquals(2, row.get("inFlight").asInt(), row.toString());
        assertEquals(2, row.get("maxInFlight").asInt(), "the handler's max-in-flight, not plus read-ahead");
        assertEquals(5, row.get("readAhead").asInt(), row.toString());
        assertEquals(5, row.get("maxReadAhead").asInt());
        ops.orders.behaviour(dev.eventbus.samples.orders.OrderServer.Behaviour.OK);
    }

    /**
     * Idle, with Redis paused: the retry poller and the reclaimer hold slots while they wait for
     * their answer, and READ-AHEAD must not count those as entries waiting for a worker.
     */
    @Test
    void readAheadCountsEntriesWaitingNotSlotsTheJanitorHolds() throws Exception {
        ops.start();
        OpsHarness.await("caught up", WAIT, () -> ops.caughtUp(FAILING) && ops.caughtUp(BYSTANDER));
        String admin = ops.adminAddress();
        REDIS.command("CLIENT", "PAUSE", "4000", "ALL");
        Thread.sleep(1000); // the poller and reclaimer have asked Redis and wait, holding their slots
        JsonNode rows = JSON.readTree(
                        ops.cli("status", "--json", "--admin", admin).out())
                .get("subscriptions");
        for (JsonNode row : rows) {
            assertEquals(0, row.get("readAhead").asInt(), "nothing was read, yet: " + row);
        }
        OpsHarness.await("Redis answers again", WAIT, () -> ops.caughtUp(FAILING));
    }

    @Test
    void statusShowsTheRuntimesLiveStateAndFallsBackToRedisWhenItIsDown() throws Exception {
        ops.start();
        deadLetter(3);
        OpsHarness.await("caught up", WAIT, () -> ops.caughtUp(FAILING) && ops.caughtUp(BYSTANDER));
        String admin = ops.adminAddress();

        // The live answer carries the metrics poller's last reading of Redis (pending, lag, dead
        // letters), which may predate the caught-up check above by one poll: ask until it has caught up too.
        String bystanderRow = BYSTANDER + "\\s+ops-stream\\s+running\\s+1\\s+0/\\d+\\s+0/\\d+\\s+0\\s+0\\s+-\\s+0\\s+0";
        String failingRow = FAILING + "\\s+ops-stream\\s+running\\s+1\\s+0/\\d+\\s+0/\\d+\\s+0\\s+0\\s+-\\s+0\\s+3";
        OpsHarness.Cli[] polled = new OpsHarness.Cli[1];
        try {
            OpsHarness.await("status shows the caught-up rows", WAIT, () -> {
                polled[0] = ops.cli("status", "--admin", admin);
                return polled[0].out().lines().anyMatch(l -> l.matches(bystanderRow))
                        && polled[0].out().lines().anyMatch(l -> l.matches(failingRow));
            });
        } catch (AssertionError timedOut) {
            // The assertions below say which row is wrong.
        }
        OpsHarness.Cli live = polled[0];
        assertEquals(0, live.exit(), live.toString());
        assertEquals("", live.err(), "the runtime answered");
        List<String> lines = live.out().lines().toList();
        assertTrue(lines.get(0).matches("runtime at " + admin + " \\(eventbus .+\\): ready, live"), live.out());
        assertTrue(
                lines.get(1)
                        .matches("HANDLER\\s+STREAM\\s+STATE\\s+CONSUMERS\\s+IN-FLIGHT\\s+READ-AHEAD\\s+PENDING\\s+LAG"
                                + "\\s+OLDEST-PENDING\\s+RETRYING\\s+DEAD-LETTERS"),
                live.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches(bystanderRow)), live.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches(failingRow)), live.out());
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.matches(
                                "orders\\.v1\\.OrderService\\s+closed\\s+0\\s+" + BYSTANDER + ", " + FAILING)),
                live.out());

        JsonNode json = JSON.readTree(ops.cli("status", "--handler", FAILING, "--json", "--admin", admin)
                .out());
        assertEquals("runtime", json.get("source").asText());
        assertTrue(json.get("runtime").get("ready").asBoolean());
        assertEquals(1, json.get("subscriptions").size());
        JsonNode row = json.get("subscriptions").get(0);
        assertEquals("running", row.get("state").asText());
        assertEquals(3, row.get("deadLetters").asInt());
        assertEquals(0, row.get("inFlight").asInt());
        assertEquals("closed", json.get("services").get(0).get("circuit").asText());

        // The runtime is gone: an event nobody has read yet shows as lag, from Redis alone.
        ops.stop();
        ops.publish("late");
        OpsHarness.Cli down = ops.cli("status", "--admin", admin);
        assertEquals(0, down.exit(), down.toString());
        assertTrue(
                down.err()
                        .startsWith("eventbus: live state (paused subscriptions, circuits, in-flight events) is "
                                + "unavailable: the runtime at " + admin + " did not answer"),
                down.err());
        lines = down.out().lines().toList();
        assertTrue(
                lines.get(0)
                        .matches(
                                "HANDLER\\s+STREAM\\s+STATE\\s+CONSUMERS\\s+PENDING\\s+LAG\\s+OLDEST-PENDING\\s+RETRYING\\s+DEAD-LETTERS"),
                down.out());
        assertTrue(
                lines.stream()
                        .anyMatch(l -> l.matches(FAILING + "\\s+ops-stream\\s+behind\\s+1\\s+0\\s+1\\s+-\\s+0\\s+3")),
                down.out());

        OpsHarness.Cli downJson = ops.cli("status", "--handler", FAILING, "--json", "--admin", admin);
        assertEquals(0, downJson.exit(), downJson.toString());
        json = JSON.readTree(downJson.out());
        assertEquals("redis", json.get("source").asText());
        assertTrue(json.get("runtime").get("unavailable").asText().contains("did not answer"), downJson.out());
        JsonNode rows = json.get("subscriptions");
        assertEquals(1, rows.size());
        assertEquals(1, rows.get(0).get("lag").asInt());
        assertEquals("behind", rows.get(0).get("state").asText());
        assertEquals(3, rows.get(0).get("deadLetters").asInt());
        assertEquals(0, rows.get(0).get("pending").asInt());

        OpsHarness.Cli noAddress = ops.cli("status");
        assertEquals(0, noAddress.exit(), noAddress.toString());
        assertTrue(
                noAddress.err().contains("no admin gRPC address to ask: eventbus.admin.grpc-port is 0"),
                noAddress.err());

        OpsHarness.Cli unknown = ops.cli("status", "--handler", "nobody", "--admin", admin);
        assertEquals(1, unknown.exit(), unknown.toString());
        assertTrue(unknown.out().contains("has no consumer group"), unknown.out());

        OpsHarness.Cli badAddress = ops.cli("status", "--admin", "nowhere");
        assertEquals(2, badAddress.exit(), badAddress.toString());
        assertTrue(badAddress.err().contains("--admin: expected HOST:PORT"), badAddress.err());
    }

    @Test
    void publishWritesTheWireFormatAndTheHandlerGetsIt() throws Exception {
        ops.start();
        Path payload = dir.resolve("payload.bin");
        Files.write(payload, new byte[] {1, 2, (byte) 0xff});
        OpsHarness.Cli publish = ops.cli(
                "publish",
                OpsHarness.STREAM,
                OpsHarness.TYPE,
                "--subject",
                "pub-1",
                "--data",
                "@" + payload,
                "--header",
                "source=cli-test",
                "--header",
                "traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertEquals(0, publish.exit(), publish.toString());
        String id = publish.out().trim();
        assertTrue(EntryIds.isId(id), publish.out());
        OpsHarness.await(
                "both handlers got it",
                WAIT,
                () -> ops.callsOf(FAILING).size() == 1 && ops.callsOf(BYSTANDER).size() == 1);
        assertEquals("pub-1", ops.callsOf(FAILING).get(0).orderId());
        Map<String, String> body = ops.redis()
                .xrange(OpsHarness.STREAM, Range.create(id, id))
                .get(0)
                .getBody();
        assertEquals(OpsHarness.TYPE, body.get("type"));
        assertEquals("cli-test", body.get("source"));

        OpsHarness.Cli json = ops.cli("publish", OpsHarness.STREAM, OpsHarness.TYPE, "--data", "{\"a\":1}");
        assertEquals(0, json.exit());
        assertEquals(
                "{\"a\":1}",
                ops.redis()
                        .xrange(
                                OpsHarness.STREAM,
                                Range.create(json.out().trim(), json.out().trim()))
                        .get(0)
                        .getBody()
                        .get("data"));

        OpsHarness.Cli reserved = ops.cli("publish", OpsHarness.STREAM, OpsHarness.TYPE, "--header", "type=x");
        assertEquals(2, reserved.exit(), reserved.toString());
        OpsHarness.Cli missingFile =
                ops.cli("publish", OpsHarness.STREAM, OpsHarness.TYPE, "--data", "@" + dir.resolve("nope"));
        assertEquals(2, missingFile.exit(), missingFile.toString());
    }

    @Test
    void topologyAndPluginsDescribeThePluginsDirectory() throws Exception {
        Files.copy(Path.of("target/test-plugins/payments-plugin.jar"), ops.plugins.resolve("payments-plugin.jar"));
        Files.write(ops.plugins.resolve("broken.jar"), new byte[] {'n', 'o', 't', ' ', 'a', ' ', 'j', 'a', 'r'});

        OpsHarness.Cli mermaid = ops.cli("topology", "--format", "mermaid");
        assertEquals(0, mermaid.exit(), mermaid.toString());
        String m = mermaid.out();
        assertTrue(m.startsWith("flowchart LR\n"), m);
        assertTrue(m.contains("[\"stream: wallet\"]") && m.contains("[\"wallet.topup.succeeded\"]"), m);
        assertTrue(m.contains("[[\"mark-order-paid<br/><small>plugin payments"), m);
        assertTrue(m.contains("([\"orders.v1.OrderService\"])"), m);
        assertTrue(m.contains(" -- gRPC --> "), m);
        assertTrue(m.contains("%% refused: broken.jar"), m);
        assertTrue(m.lines().filter(l -> l.contains(" --> ")).count() >= 5, m);

        OpsHarness.Cli text = ops.cli("topology");
        assertEquals(0, text.exit(), text.toString());
        assertTrue(
                text.out().contains("stream wallet\n  wallet.topup.succeeded\n    -> mark-order-paid (plugin payments"),
                text.out());
        assertTrue(text.out().contains("-> gRPC orders.v1.OrderService"), text.out());

        JsonNode json = JSON.readTree(ops.cli("topology", "--format", "json").out());
        assertEquals(3, json.get("handlers").size());
        assertEquals("broken.jar", json.get("refused").get(0).get("source").asText());

        OpsHarness.Cli list = ops.cli("plugins", "list");
        assertEquals(0, list.exit(), list.toString());
        assertTrue(
                list.err().startsWith("eventbus: live plugin state is unavailable: no admin gRPC address"), list.err());
        assertTrue(
                list.out()
                        .lines()
                        .anyMatch(
                                l -> l.matches(
                                        "ops-fixtures\\s+2\\.0\\.0\\s+ops-bystander\\s+ops-stream: ops\\.event\\s+orders\\.v1\\.OrderService")),
                list.out());
        assertTrue(list.out().contains("refused:\n  broken.jar: not a readable JAR"), list.out());
        JsonNode plugins = JSON.readTree(ops.cli("plugins", "list", "--json").out());
        assertEquals(2, plugins.get("plugins").size());
        OpsHarness.Cli show = ops.cli("plugins", "show", "payments");
        assertEquals(0, show.exit(), show.toString());
        assertTrue(show.out().contains("mark-order-paid"), show.out());
        assertEquals(1, ops.cli("plugins", "show", "nope").exit());

        OpsHarness.Cli badFormat = ops.cli("topology", "--format", "svg");
        assertEquals(2, badFormat.exit(), badFormat.toString());
    }

    @Test
    void usageErrorsExitTwoAndFailuresExitOne() throws Exception {
        OpsHarness.Cli noFrom = ops.cli("replay", FAILING);
        assertEquals(2, noFrom.exit(), noFrom.toString());
        assertTrue(noFrom.err().contains("--from"), noFrom.err());

        OpsHarness.Cli badTime = ops.cli("replay", FAILING, "--stream", OpsHarness.STREAM, "--from", "yesterday-ish");
        assertEquals(2, badTime.exit(), badTime.toString());
        assertTrue(badTime.err().contains("neither an entry id"), badTime.err());

        OpsHarness.Cli noHandler = ops.cli("dlq", "list");
        assertEquals(2, noHandler.exit(), noHandler.toString());

        OpsHarness.Cli noGroup = ops.cli("replay", "nobody", "--stream", OpsHarness.STREAM, "--from", "0");
        assertEquals(1, noGroup.exit(), noGroup.toString());
        assertTrue(noGroup.err().contains("has no consumer group on stream"), noGroup.err());

        OpsHarness.Cli help = ops.cli("dlq", "redrive", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--rate") && help.out().contains("--dry-run"), help.out());

        // --admin names a port nothing listens on: a runtime on this machine's default admin port
        // (another engineer's eventbus dev) would otherwise answer and the command would succeed.
        OpsHarness.Cli down = OpsHarness.cliRaw(
                "status", "--redis", "redis://user:Hunter2Secret@127.0.0.1:1", "--admin", "127.0.0.1:1");
        assertEquals(1, down.exit(), down.toString());
        assertTrue(down.err().contains("cannot reach Redis at redis://***@127.0.0.1:1"), down.err());
        assertFalse(down.err().contains("Hunter2Secret") || down.out().contains("Hunter2Secret"), down.toString());
    }
}
