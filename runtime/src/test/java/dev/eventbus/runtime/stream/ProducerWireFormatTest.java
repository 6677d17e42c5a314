package dev.eventbus.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.api.Event;
import dev.eventbus.producer.OutgoingEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Ties the producer helper ({@code eventbus-producer}, which does not depend on the runtime) to
 * the wire format the runtime reads: the documented field names, and what it writes decodes to the
 * event it was given.
 */
class ProducerWireFormatTest {

    /** The runtime takes these names from the producer's class; the wire format pins them (README). */
    @Test
    void theWireNamesAreTheDocumentedOnes() {
        assertEquals(
                java.util.List.of(
                        "type",
                        "id",
                        "subject",
                        "source",
                        "time",
                        "data",
                        "datacontenttype",
                        "traceparent",
                        "eventbus-"),
                java.util.List.of(
                        WireFields.TYPE,
                        WireFields.ID,
                        WireFields.SUBJECT,
                        WireFields.SOURCE,
                        WireFields.TIME,
                        WireFields.DATA,
                        WireFields.CONTENT_TYPE,
                        WireFields.TRACEPARENT,
                        WireFields.RESERVED_PREFIX));
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
