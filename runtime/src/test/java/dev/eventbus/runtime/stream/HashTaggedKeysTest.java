package dev.eventbus.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lettuce.core.cluster.SlotHash;
import java.util.List;
import org.junit.jupiter.api.Test;

class HashTaggedKeysTest {

    private final KeyLayout keys = new HashTaggedKeys("eventbus:dlq:");

    @Test
    void everyKeyOfASubscriptionLivesInItsStreamsSlot() {
        for (String stream :
                List.of("orders", "payments.v2", "{tenant-7}.orders", "a:b:c", "x{t}y{u}", "ünïcode", "{ab}")) {
            int slot = SlotHash.getSlot(stream);
            assertEquals(slot, SlotHash.getSlot(keys.retryDue("billing", stream)), stream);
            assertEquals(slot, SlotHash.getSlot(keys.firstFailures("billing", stream)), stream);
            assertEquals(slot, SlotHash.getSlot(keys.deadLetters("billing", stream)), stream);
        }
    }

    @Test
    void aStreamsOwnTagIsKeptSoStreamsSharingItShareOneDeadLetterStream() {
        assertEquals(
                "eventbus:retry:{tenant-7}:billing:{tenant-7}.orders", keys.retryDue("billing", "{tenant-7}.orders"));
        assertEquals(
                "eventbus:retry-first:{tenant-7}:billing:{tenant-7}.orders",
                keys.firstFailures("billing", "{tenant-7}.orders"));
        assertEquals("eventbus:dlq:{tenant-7}:billing", keys.deadLetters("billing", "{tenant-7}.orders"));
        assertEquals(
                keys.deadLetters("billing", "{tenant-7}.orders"), keys.deadLetters("billing", "{tenant-7}.refunds"));
    }

    @Test
    void aStreamWithoutATagIsItsOwnTag() {
        assertEquals("eventbus:retry:{orders}:billing:orders", keys.retryDue("billing", "orders"));
        assertEquals("eventbus:dlq:{orders}:billing", keys.deadLetters("billing", "orders"));
        assertNotEquals(keys.deadLetters("billing", "orders"), keys.deadLetters("billing", "refunds"));
    }

    @Test
    void bracesThatAreNoTagAreRefused() {
        for (String stream : List.of("a{}b", "a}b", "{}", "a{b")) {
            assertNotNull(keys.refusal(stream), stream);
            assertThrows(IllegalArgumentException.class, () -> keys.retryDue("h", stream), stream);
        }
        assertNull(keys.refusal("orders"));
        assertNull(keys.refusal("x{t}y"));
        assertNull(keys.refusal("}{x}")); // Redis hashes the first tag, x, as this layout does
    }
}
