package dev.eventbus.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EntryIdsTest {

    @Test
    void entryIdTimeIsParsedWithoutGarbageAndBadIdsGiveZero() {
        assertEquals(1_700_000_000_123L, EntryIds.millis("1700000000123-7"));
        assertEquals(42L, EntryIds.millis("42"));
        assertEquals(0L, EntryIds.millis("-1"));
        assertEquals(0L, EntryIds.millis("12a4-0"));
        assertEquals(0L, EntryIds.millis(""));
        assertEquals(0L, EntryIds.millis("99999999999999999999-0"));
    }
}
