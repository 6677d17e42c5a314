package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayResumeHintTest {

    @Test
    void aPlainStreamGoesOnAfterTheLastReplayedEntryUpToTheEndTheRunHad() {
        assertEquals(
                "the entries of orders after 1700000000005-3 are not replayed: "
                        + "--stream orders --from 1700000000005-4 --to 1700000000100-0 goes on",
                ReplayResumeHint.text(
                        "orders", "1700000000005-3", "0-0", Map.of("orders", "1700000000100-0"), List.of()));
    }

    @Test
    void aPartitionedStreamGoesOnWithTheInterruptedPartitionAloneThenNamesEachPartitionNotReached() {
        Map<String, String> ends = new LinkedHashMap<>();
        ends.put("{wallet:0/4}", "1700000000090-0");
        ends.put("{wallet:1/4}", "1700000000091-0");
        ends.put("{wallet:2/4}", null); // empty at the start: nothing of it in the range
        ends.put("{wallet:3/4}", "1700000000093-0");
        assertEquals(
                "the entries of {wallet:1/4} after 1700000000050-0 are not replayed: "
                        + "--stream '{wallet:1/4}' --from 1700000000050-1 --to 1700000000091-0 goes on, "
                        + "then the partition not reached: "
                        + "--stream '{wallet:3/4}' --from 1700000000000-0 --to 1700000000093-0",
                ReplayResumeHint.text(
                        "{wallet:1/4}",
                        "1700000000050-0",
                        "1700000000000-0",
                        ends,
                        List.of("{wallet:2/4}", "{wallet:3/4}")));
    }

    @Test
    void nothingReplayedYetStartsThePartitionFromTheRangeStart() {
        Map<String, String> ends = new LinkedHashMap<>();
        ends.put("{wallet:0/2}", "1700000000090-0");
        ends.put("{wallet:1/2}", "1700000000091-0");
        assertEquals(
                "nothing replayed on {wallet:0/2}: --stream '{wallet:0/2}' --from 1700000000000-0 --to "
                        + "1700000000090-0 goes on, then the partition not reached: --stream '{wallet:1/2}' --from "
                        + "1700000000000-0 --to 1700000000091-0",
                ReplayResumeHint.text("{wallet:0/2}", null, "1700000000000-0", ends, List.of("{wallet:1/2}")));
    }
}
