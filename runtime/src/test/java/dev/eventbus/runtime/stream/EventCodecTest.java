package dev.eventbus.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.eventbus.api.Event;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final EventCodec codec = new EventCodec(1024);

    private static StreamEntry entry(Object... kv) {
        Map<byte[], byte[]> fields = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            fields.put(bytes(kv[i]), bytes(kv[i + 1]));
        }
        return new StreamEntry("wallet", "5-1", fields, 1, StreamEntry.Origin.NEW);
    }

    private static byte[] bytes(Object o) {
        return o instanceof byte[] b ? b : o.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void mapsWireFormatFields() throws Exception {
        Event e = codec.decode(
                entry(
                        "type",
                        "wallet.topup.succeeded",
                        "subject",
                        "w-42",
                        "data",
                        "{}",
                        "traceparent",
                        "00-abc-def-01",
                        "tenant",
                        "acme"),
                3);
        assertEquals("wallet.topup.succeeded", e.type());
        assertEquals("w-42", e.subject());
        assertEquals("5-1", e.id(), "id defaults to the entry id");
        assertEquals("5-1", e.entryId());
        assertEquals(3, e.attempt());
        assertEquals("00-abc-def-01", e.traceparent());
        assertEquals(Map.of("tenant", "acme"), e.headers());
        assertNull(e.source());
    }

    @Test
    void headersAreEveryOtherFieldTheLastOfARepeatedOneWinning() throws Exception {
        assertEquals(Map.of(), codec.decode(entry("type", "t"), 1).headers());
        assertEquals(
                Map.of("a", "1"), codec.decode(entry("type", "t", "a", "1"), 1).headers());
        assertEquals(
                Map.of("a", "2"),
                codec.decode(entry("type", "t", "a", "1", "a", "2"), 1).headers());
        assertEquals(
                Map.of("a", "3", "b", "2", "c", "4"),
                codec.decode(entry("a", "1", "type", "t", "b", "2", "a", "3", "c", "4"), 1)
                        .headers());
        assertEquals(
                Map.of("a", "1", "b", "3"),
                codec.decode(entry("type", "t", "a", "1", "b", "2", "b", "3"), 1)
                        .headers());
    }

    @Test
    void aFieldGivenTwiceCountsWithItsLastValueYetEveryValueMustBeUtf8() throws Exception {
        // README, "The wire format": a repeated type is handled (or skipped) as the last one.
        assertEquals("b", codec.decode(entry("type", "a", "type", "b"), 1).type());
        assertEquals(
                "s-2",
                codec.decode(entry("type", "t", "subject", "s-1", "subject", "s-2"), 1)
                        .subject());
        MalformedEntryException e = assertThrows(
                MalformedEntryException.class,
                () -> codec.decode(entry("type", "t", "time", new byte[] {(byte) 0xff}, "time", "2026-12-06"), 1));
        assertEquals(DeadLetterReason.DECODE, e.reason());
    }

    @Test
    void anEntryWithoutATypeIsADecodeDeadLetterSayingWhetherTheFieldIsMissingOrEmpty() {
        // Found from outside: XADD wallet * type '' ... was dead-lettered as having no 'type' field.
        for (Map.Entry<StreamEntry, String> c : Map.of(
                        entry("subject", "s", "data", "{}"), "entry has no 'type' field",
                        entry("type", "", "subject", "s", "data", "{}"), "entry's 'type' field is empty",
                        entry("type", " ", "subject", "s", "data", "{}"), "entry's 'type' field is blank")
                .entrySet()) {
            MalformedEntryException e =
                    assertThrows(MalformedEntryException.class, () -> codec.decode(c.getKey(), 1), c.getValue());
            assertEquals(DeadLetterReason.DECODE, e.reason());
            assertEquals(c.getValue(), e.getMessage());
        }
    }

    @Test
    void aKnownFieldNameIsOneSharedArrayReadFromTheBuffersPositionToItsLimit() {
        ByteBuffer buffer = ByteBuffer.wrap("xxtypesubject".getBytes(StandardCharsets.US_ASCII));
        byte[] type = EventCodec.knownFieldName(buffer.slice(2, 4));
        assertArrayEquals("type".getBytes(StandardCharsets.US_ASCII), type);
        assertSame(type, EventCodec.knownFieldName(ByteBuffer.wrap("type".getBytes(StandardCharsets.US_ASCII))));
        assertSame(type, EventCodec.knownFieldName(buffer.position(2).limit(6)));
        assertEquals(2, buffer.position(), "not moved");
        assertArrayEquals(
                "subject".getBytes(StandardCharsets.US_ASCII),
                EventCodec.knownFieldName(buffer.limit(13).position(6)));
        assertNull(EventCodec.knownFieldName(ByteBuffer.wrap("typ".getBytes(StandardCharsets.US_ASCII))));
        assertNull(EventCodec.knownFieldName(ByteBuffer.wrap("types".getBytes(StandardCharsets.US_ASCII))));
        assertNull(EventCodec.knownFieldName(ByteBuffer.wrap("tenant".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void subjectAloneIsWhatDecodeWouldGive() throws Exception {
        assertEquals("w-42", codec.subjectOf(entry("type", "t", "subject", "w-42", "data", "{}")));
        assertNull(codec.subjectOf(entry("type", "t", "data", "{}")), "no subject");
        assertNull(
                codec.subjectOf(entry("type", "t", "subject", new byte[] {(byte) 0xc3, (byte) 0x28})),
                "not UTF-8: decode dead-letters it on the worker");
        assertEquals("é", codec.subjectOf(entry("subject", "é")), "valid UTF-8 beyond ASCII, even without a type");

        byte[][] repeated = {
            bytes("subject"), bytes("first"), bytes("type"), bytes("t"), bytes("subject"), bytes("last")
        };
        StreamEntry twice = new StreamEntry("wallet", "5-1", new FieldList(repeated, 3), 1, StreamEntry.Origin.NEW);
        assertEquals(codec.decode(twice, 1).subject(), codec.subjectOf(twice));
        assertEquals("last", codec.subjectOf(twice));
    }

    @Test
    void producerIdWins() throws Exception {
        assertEquals("evt-1", codec.decode(entry("type", "t", "id", "evt-1"), 1).id());
    }

    @Test
    void dataStaysRawBytes() throws Exception {
        byte[] binary = {(byte) 0xff, 0, (byte) 0xfe, 10};
        assertArrayEquals(
                binary, codec.decode(entry("type", "t", "data", binary), 1).data());
    }

    @Test
    void missingTypeIsDecodeError() {
        MalformedEntryException e =
                assertThrows(MalformedEntryException.class, () -> codec.decode(entry("subject", "s", "data", "{}"), 1));
        assertEquals(DeadLetterReason.DECODE, e.reason());
    }

    @Test
    void nonUtf8TextFieldIsDecodeError() {
        MalformedEntryException e = assertThrows(
                MalformedEntryException.class,
                () -> codec.decode(entry("type", new byte[] {(byte) 0xc3, (byte) 0x28}), 1));
        assertEquals(DeadLetterReason.DECODE, e.reason());
    }

    @Test
    void oversizedEntryIsTooLarge() {
        MalformedEntryException e = assertThrows(
                MalformedEntryException.class, () -> codec.decode(entry("type", "t", "data", "x".repeat(2000)), 1));
        assertEquals(DeadLetterReason.TOO_LARGE, e.reason());
    }
}
