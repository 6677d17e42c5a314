package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.api.Event;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestEventsTest {

    @Test
    void defaults() {
        Event e = TestEvents.event("order.created").build();
        assertEquals("test", e.stream());
        assertEquals("1-0", e.entryId());
        assertEquals("1-0", e.id());
        assertEquals("order.created", e.type());
        assertEquals(1, e.attempt());
        assertEquals(0, e.data().length);
        assertNull(e.subject());
        assertNull(e.traceparent());
        assertEquals(Map.of(), e.headers());
    }

    @Test
    void everyAttributeCanBeSet() {
        Event e = TestEvents.event("wallet.topup.succeeded").stream("wallet")
                .entryId("17-3")
                .id("evt-1")
                .attempt(4)
                .subject("order-42")
                .source("wallet-service")
                .time("2025-01-01T00:00:00Z")
                .dataContentType("application/json")
                .traceparent("00-abc-def-01")
                .data("{\"amount\":100}")
                .header("eventbus-replay", "op-7")
                .build();
        assertEquals("wallet", e.stream());
        assertEquals("17-3", e.entryId());
        assertEquals("evt-1", e.id());
        assertEquals(4, e.attempt());
        assertEquals("order-42", e.subject());
        assertEquals("wallet-service", e.source());
        assertEquals("2025-01-01T00:00:00Z", e.time());
        assertEquals("application/json", e.dataContentType());
        assertEquals("00-abc-def-01", e.traceparent());
        assertEquals("{\"amount\":100}", e.dataAsString());
        assertTrue(e.isReplay());
    }

    @Test
    void dataIsCopied() {
        byte[] payload = {1, 2, 3};
        TestEvents.Builder builder = TestEvents.event("t").data(payload);
        payload[0] = 9;
        Event first = builder.build();
        first.data()[1] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, builder.build().data());
    }

    @Test
    void eventRulesStillApply() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TestEvents.event("t").attempt(0).build());
    }
}
