package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.runtime.stream.ReservedNames;
import dev.eventbus.runtime.stream.WireFields;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class OpsUnitTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-10T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    @Test
    void reservedNamesAreKeptApartAndComeBackExactly() {
        for (String name : List.of(
                "eventbus-reason",
                "original.eventbus-reason",
                "original.original.eventbus-x",
                "type",
                "original.type",
                "eventbus",
                "original.")) {
            byte[] stored = ReservedNames.keptApart(name.getBytes(StandardCharsets.UTF_8));
            assertEquals(name, new String(ReservedNames.restored(stored), StandardCharsets.UTF_8), name);
        }
        assertEquals("original.eventbus-reason", text(ReservedNames.keptApart(utf8("eventbus-reason"))));
        assertEquals(
                "original.original.eventbus-reason", text(ReservedNames.keptApart(utf8("original.eventbus-reason"))));
        assertEquals("original.type", text(ReservedNames.keptApart(utf8("original.type"))));
        assertEquals(
                WireFields.TARGET_HANDLER,
                text(ReservedNames.keptApart(utf8(WireFields.TARGET_HANDLER))),
                "routing markers are the runtime's own: a redrive replaces them");

        // A dead letter written before producer fields were kept apart: the runtime's (last) one wins.
        DeadLetterEntry legacy = new DeadLetterEntry(
                "1-0",
                List.of(
                        Field.of("type", "t"),
                        Field.of(WireFields.REASON, "decode"),
                        Field.of(WireFields.REASON, "handler-error"),
                        Field.of("original.eventbus-handler", "forged")));
        assertEquals("handler-error", legacy.reason());
        assertEquals(
                List.of("type", WireFields.REASON, "eventbus-handler"),
                legacy.originalFields().stream().map(Field::nameText).toList());
        assertEquals(
                List.of(WireFields.REASON),
                legacy.provenanceFields().stream().map(Field::nameText).toList());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void timesAndIdsParse() {
        assertEquals("1718000000000-5", TimeOrId.parse("1718000000000-5", CLOCK).startId());
        assertEquals("1718000000000-5", TimeOrId.parse("1718000000000-5", CLOCK).endId());
        assertEquals("1718000000000-0", TimeOrId.parse("1718000000000", CLOCK).startId());
        assertEquals(
                "1718000000000-18446744073709551615",
                TimeOrId.parse("1718000000000", CLOCK).endId());
        long noon = Instant.parse("2025-06-10T12:00:00Z").toEpochMilli();
        assertEquals(noon + "-0", TimeOrId.parse("now", CLOCK).startId());
        assertEquals((noon - 7_200_000) + "-0", TimeOrId.parse("2h", CLOCK).startId());
        assertEquals((noon - 90_000) + "-0", TimeOrId.parse("-90s", CLOCK).startId());
        assertEquals(
                (noon - 86_400_000L * 7) + "-0", TimeOrId.parse("7d", CLOCK).startId());
        assertEquals(
                Instant.parse("2025-06-10T08:00:00Z"),
                TimeOrId.parse("2025-06-10T08:00:00Z", CLOCK).time());
        assertEquals(
                Instant.parse("2025-06-10T06:00:00Z"),
                TimeOrId.parse("2025-06-10T08:00:00+02:00", CLOCK).time());
        assertEquals(
                Instant.parse("2025-06-10T10:00:00Z"),
                TimeOrId.parse("2025-06-10T10:00", CLOCK).time());
        assertEquals(
                Instant.parse("2025-06-10T00:00:00Z"),
                TimeOrId.parse("2025-06-10", CLOCK).time());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> TimeOrId.parse("last tuesday", CLOCK));
        assertTrue(e.getMessage().contains("neither an entry id"), e.getMessage());
    }

    @Test
    void idsCompareNumerically() {
        assertTrue(DeadLetters.compare("10-0", "9-5") > 0);
        assertTrue(DeadLetters.compare("10-2", "10-10") < 0);
        assertEquals(0, DeadLetters.compare("10", "10-0"));
    }

    @Test
    void deadLetterEntriesSplitProvenanceFromTheOriginal() {
        DeadLetterEntry e = new DeadLetterEntry(
                "5-0",
                List.of(
                        Field.of("type", "t"),
                        Field.of("subject", "s"),
                        new Field("data".getBytes(), new byte[] {(byte) 0xff, 0}),
                        Field.of("eventbus-target-handler", "other"),
                        Field.of("eventbus-reason", "handler-error"),
                        Field.of("eventbus-error-class", "java.lang.IllegalStateException"),
                        Field.of("eventbus-error-message", "Broken Pipe"),
                        Field.of("eventbus-source-stream", "st")));
        assertEquals(
                List.of("type", "subject", "data"),
                e.originalFields().stream().map(Field::nameText).toList());
        assertEquals("java.lang.IllegalStateException: Broken Pipe", e.error());
        assertEquals(2, e.dataSize());
        assertNull(e.field("data").valueText(), "not UTF-8");
        assertEquals("base64:/wA=", e.field("data").valueForDisplay());

        DeadLetterFilter filter = new DeadLetterFilter(Set.of(), "handler-error", null, null, "s", "broken pipe", "st");
        assertTrue(filter.matches(e));
        assertFalse(new DeadLetterFilter(Set.of(), "decode", null, null, null, null, null).matches(e));
        assertFalse(new DeadLetterFilter(Set.of("6-0"), null, null, null, null, null, null).matches(e));
        assertTrue(DeadLetterFilter.ALL.selectsAll());
        assertEquals(
                Map.of("reason", "handler-error", "subject", "s", "error", "broken pipe", "sourceStream", "st"),
                filter.describe());
    }

    @Test
    void aDeadLetterIsIncompleteWhenMarkedPartialOrOfReasonTooLarge() {
        DeadLetterEntry whole = new DeadLetterEntry(
                "1-0", List.of(Field.of("type", "t"), Field.of("eventbus-reason", "max-deliveries")));
        assertNull(whole.incompleteBecause());
        DeadLetterEntry marked = new DeadLetterEntry(
                "2-0",
                List.of(
                        Field.of("type", "t"),
                        Field.of("eventbus-reason", "max-deliveries"),
                        Field.of("eventbus-partial", "holds 1 field(s)")));
        assertTrue(marked.incompleteBecause().contains("eventbus-partial: holds 1 field(s)"));
        DeadLetterEntry olderTooLarge =
                new DeadLetterEntry("3-0", List.of(Field.of("type", "t"), Field.of("eventbus-reason", "too-large")));
        assertTrue(olderTooLarge.incompleteBecause().startsWith("reason too-large"), "unmarked, still partial");
        DeadLetterEntry forged = new DeadLetterEntry(
                "4-0",
                List.of(Field.of("original.eventbus-partial", "x"), Field.of("eventbus-reason", "handler-error")));
        assertNull(forged.incompleteBecause(), "a producer's field of that name is kept apart, not the mark");
    }

    @Test
    void aFieldNameThatIsNotUtf8ShowsAsBase64() {
        Field name = new Field(new byte[] {(byte) 0xff, (byte) 0xfe}, "v".getBytes());
        assertEquals("base64://4=", name.nameForDisplay());
        assertEquals("type", Field.of("type", "t").nameForDisplay());
    }

    @Test
    void auditLogAppendsOneJsonLinePerAction() throws Exception {
        AuditLog audit = new AuditLog(dir.resolve("logs/audit.log"), CLOCK);
        audit.checkWritable();
        audit.record("dlq.discard", 3, Map.of("handler", "h"));
        audit.record("replay", 10, Map.of("handler", "h", "stream", "s"));
        List<String> lines = Files.readAllLines(dir.resolve("logs/audit.log"));
        assertEquals(2, lines.size());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("2025-06-10T12:00:00Z", first.get("time").asText());
        assertEquals(System.getProperty("user.name"), first.get("who").asText());
        assertEquals("dlq.discard", first.get("action").asText());
        assertEquals(3, first.get("count").asInt());
        assertEquals("h", first.get("handler").asText());

        Files.writeString(dir.resolve("file"), "x");
        OpsException e = assertThrows(
                OpsException.class, () -> new AuditLog(dir.resolve("file/audit.log"), CLOCK).checkWritable());
        assertTrue(e.getMessage().contains("eventbus.admin.audit-log"), e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonLogFormatWritesMdcAsFields() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setName("json-test");
        appender.setEncoder(
                (Encoder<ILoggingEvent>) (Encoder<?>) new ch.qos.logback.classic.encoder.PatternLayoutEncoder());
        ((ch.qos.logback.classic.encoder.PatternLayoutEncoder) appender.getEncoder()).setPattern("%msg%n");
        appender.getEncoder().setContext(context);
        appender.getEncoder().start();
        appender.setOutputStream(bytes);
        appender.start();
        List<OutputStreamAppender<ILoggingEvent>> others = new java.util.ArrayList<>();
        root.iteratorForAppenders().forEachRemaining(a -> {
            if (a instanceof OutputStreamAppender<ILoggingEvent> o) {
                others.add(o);
            }
        });
        Map<OutputStreamAppender<ILoggingEvent>, Encoder<ILoggingEvent>> before = new java.util.HashMap<>();
        others.forEach(o -> before.put(o, o.getEncoder()));
        root.addAppender(appender);
        try {
            assertEquals(0, LogFormat.apply("text"));
            assertTrue(LogFormat.apply("json") >= 1);
            assertTrue(appender.getEncoder() instanceof LogstashEncoder);
            try (var ignored = MDC.putCloseable("handler", "mark-order-paid")) {
                LoggerFactory.getLogger("json-test").info("handled {}", "1-0");
            }
            JsonNode line = new ObjectMapper()
                    .readTree(bytes.toString(StandardCharsets.UTF_8)
                            .lines()
                            .reduce((a, b) -> b)
                            .orElseThrow());
            assertEquals("handled 1-0", line.get("message").asText());
            assertEquals("mark-order-paid", line.get("handler").asText());
            assertEquals("INFO", line.get("level").asText());
        } finally {
            root.detachAppender(appender);
            appender.stop();
            before.forEach(OutputStreamAppender::setEncoder); // give the test run its text logs back
        }
    }
}
