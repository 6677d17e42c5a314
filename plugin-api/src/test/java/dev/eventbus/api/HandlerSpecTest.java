package dev.eventbus.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A declaration no producer can match is refused when it is made (at build time, by the plugin
 * parent's descriptor step, and at admission), naming the handler and the text as it is: an event
 * type or stream with white space around it, or a control character, would otherwise match no entry
 * and the handler would silently never be called.
 */
class HandlerSpecTest {

    @Test
    void anEventTypeWithTrailingSpaceIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> HandlerSpec.named("count-shipments").consumes("shipments", "shipment.sent "));
        assertEquals(
                "handler 'count-shipments': event type 'shipment.sent ' on stream 'shipments' has leading or"
                        + " trailing white space (entries are matched on their type exactly: no event would ever"
                        + " reach the handler)",
                e.getMessage());
    }

    @Test
    void anEventTypeWithAControlCharacterIsRefusedShowingIt() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> HandlerSpec.named("h").consumes("s", "ship\tment"));
        assertEquals(
                "handler 'h': event type 'ship\\u0009ment' on stream 's' holds a control character (U+0009)"
                        + " (entries are matched on their type exactly: no event would ever reach the handler)",
                e.getMessage());
    }

    @Test
    void aStreamNameWithLeadingSpaceIsRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> HandlerSpec.named("h").consumes(" wallet", "t"));
        assertEquals("handler 'h': stream name ' wallet' has leading or trailing white space", e.getMessage());
    }

    @Test
    void otherCharactersAreTheProducersChoiceAndPass() {
        HandlerSpec spec = HandlerSpec.named("h")
                .consumes("orders{eu}:v2", "com.acme/order created", "zahlung.eingegangen.ü", "*");
        assertEquals(
                Map.of("orders{eu}:v2", Set.of("com.acme/order created", "zahlung.eingegangen.ü", "*")),
                spec.subscriptions());
    }
}
