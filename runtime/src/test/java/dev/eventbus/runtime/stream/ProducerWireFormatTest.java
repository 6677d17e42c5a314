package dev.eventbus.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.api.Event;
import dev.eventbus.producer.EventFields;
import dev.eventbus.producer.OutgoingEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Ties the producer helper ({@code eventbus-producer}, which does not depend on the runtime) to
 * the wire format the runtime reads: the same field names, and what it writes decodes to the event
 * it was given.
 */
class ProducerWireFormatTest {

    @Test
    void theProducerSpellsEveryFieldAsTheRuntimeReadsIt() {
        assertEquals(WireFields.TYPE, EventFields.TYPE);
        assertEquals(WireFields.ID, EventFields.ID);
        assertEquals(WireFields.SUBJECT, EventFields.SUBJECT);
        assertEquals(WireFields.SOURCE, EventFields.SOURCE);
        assertEquals(WireFields.TIME, EventFields.TIME);
        assertEquals(WireFields.DATA, EventFields.DATA);
        assertEquals(WireFields.CONTENT_TYPE, EventFields.CONTENT_TYPE);
        assertEquals(WireFields.TRACEPARENT, EventFields.TRACEPARENT);
        assertEquals(WireFields.RESERVED_PREFIX, EventFields.RESERVED_PREFIX);
    }

    @Test
    void whatTheProducerWritesDecodesToTheEventItWasGiven() throws MalformedEntryException {
        OutgoingEvent out = OutgoingEvent.of("order.placed")
                .subject("order-17")
                .data("{\"total\":12}")
                .field("id", "evt-1")
                .field("source", "/orders")
                .field("time", "2026-12-05T16:00:00Z")
                .field("datacontenttype", "application/json")
                .field("traceparent", "00-abc-def-01")
                .field("x-tenant", "acme");
        Event in = new EventCodec(1 << 20)
                .decode(new StreamEntry("{orders:4/8}", "1-0", out.toEntryFields(), 1, StreamEntry.Origin.NEW), 1);
        assertEquals("order.placed", in.type());
        assertEquals("order-17", in.subject());
        assertArrayEquals(out.data(), in.data());
        assertEquals("evt-1", in.id());
        assertEquals("/orders", in.source());
        assertEquals("2026-12-05T16:00:00Z", in.time());
        assertEquals("application/json", in.dataContentType());
        assertEquals("00-abc-def-01", in.traceparent());
        assertEquals(Map.of("x-tenant", "acme"), in.headers());
    }
}
