package dev.eventbus.runtime.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The names written by every earlier version on one node: they must never change. */
class SingleNodeKeysTest {

    private final KeyLayout keys = new SingleNodeKeys("eventbus:dlq:");

    @Test
    void namesStayAsEarlierVersionsWroteThem() {
        assertEquals("eventbus:retry:billing:orders", keys.retryDue("billing", "orders"));
        assertEquals("eventbus:retry-first:billing:orders", keys.firstFailures("billing", "orders"));
        assertEquals("eventbus:dlq:billing", keys.deadLetters("billing", "orders"));
        assertEquals("eventbus:dlq:billing", keys.deadLetters("billing", "{t}.refunds"));
        assertNull(keys.refusal("a{}b"));
    }
}
