package dev.eventbus.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WireTest {

    private static long size(Map<byte[], byte[]> body) {
        long n = 0;
        for (Map.Entry<byte[], byte[]> e : body.entrySet()) {
            n += e.getKey().length + e.getValue().length;
        }
        return n;
    }

    @Test
    void everyEventIsThreeHundredBytesInTheWireFormat() {
        for (long i : List.of(0L, 7L, 123_456L, 99_999_999L, 100_000_001L)) {
            Map<byte[], byte[]> body = Wire.event(i, -1);
            assertEquals(Wire.EVENT_BYTES, size(body), "event " + i);
            assertEquals(
                    List.of("type", "subject", "id", "data"),
                    body.keySet().stream().map(Wire::text).toList());
        }
        Map<byte[], byte[]> e = Wire.event(42, -1);
        assertEquals("o-00000042", Wire.text(Wire.field(e, Wire.F_SUBJECT)));
        assertEquals("e-00000042", Wire.text(Wire.field(e, Wire.F_ID)));
        assertEquals(Wire.TYPE, Wire.text(Wire.field(e, Wire.F_TYPE)));
        String data = Wire.text(Wire.field(e, Wire.F_DATA));
        assertEquals(true, data.startsWith("{\"orderId\":\"o-00000042\",") && data.endsWith("\"}"), data);
    }

    @Test
    void subjectsRepeatInTurnWhenTheStreamHasFewerThanEvents() {
        Map<byte[], byte[]> e = Wire.event(10_042, 10_000, -1);
        assertEquals(Wire.EVENT_BYTES, size(e));
        assertEquals("o-00000042", Wire.text(Wire.field(e, Wire.F_SUBJECT)));
        assertEquals("e-00010042", Wire.text(Wire.field(e, Wire.F_ID)));
        assertEquals(true, Wire.text(Wire.field(e, Wire.F_DATA)).startsWith("{\"orderId\":\"o-00000042\","));
        assertEquals(42, Wire.subject(10_042, 10_000));
        assertEquals(10_042, Wire.subject(10_042, 0));
    }

    @Test
    void theIndexOfAnEventIsReadBackFromItsId() {
        assertEquals(10_042, Wire.index(Wire.field(Wire.event(10_042, -1), Wire.F_ID)));
        assertEquals(7, Wire.index("e-00000007"));
        assertEquals(-1, Wire.index("o-00000007"));
        assertEquals(-1, Wire.index("e-0000007"));
        assertEquals(-1, Wire.index((String) null));
    }

    @Test
    void latencyEventsCarryTheProducersTimestamp() {
        Map<byte[], byte[]> e = Wire.event(1, 123_456_789_012L);
        assertArrayEquals("123456789012".getBytes(StandardCharsets.UTF_8), Wire.field(e, Wire.F_TS));
        assertEquals(123_456_789_012L, Wire.parseTs(Wire.field(e, Wire.F_TS)));
        assertEquals(-1, Wire.parseTs(null));
        assertEquals(-1, Wire.parseTs("12x".getBytes(StandardCharsets.UTF_8)));
    }
}
