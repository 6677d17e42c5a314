package dev.eventbus.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutgoingEventTest {

    @Test
    void fieldsAreWrittenTypeFirstDataLastInTheOrderGiven() {
        OutgoingEvent event = OutgoingEvent.of("order.placed")
                .subject("order-17")
                .field("source", "/orders")
                .field("id", "evt-1")
                .data("{}");
        List<String> names = new ArrayList<>();
        event.toEntryFields().keySet().forEach(k -> names.add(new String(k, StandardCharsets.UTF_8)));
        assertEquals(List.of("type", "subject", "source", "id", "data"), names);
    }

    @Test
    void fieldsWithTheirOwnParameterRuntimeNamesAndNullsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> OutgoingEvent.of(" "));
        assertThrows(IllegalArgumentException.class, () -> OutgoingEvent.of("t").field("subject", "s"));
        assertThrows(IllegalArgumentException.class, () -> OutgoingEvent.of("t").field("eventbus-replay", "1-0"));
        assertThrows(IllegalArgumentException.class, () -> OutgoingEvent.of("t").field("x", null));
    }
}
