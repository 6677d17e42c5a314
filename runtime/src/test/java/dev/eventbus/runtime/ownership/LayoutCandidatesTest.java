package dev.eventbus.runtime.ownership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LayoutCandidatesTest {

    private static final RunLayout EIGHT = new RunLayout("mark-order-paid", "wallet", 8);
    private static final RunLayout FOUR = new RunLayout("mark-order-paid", "wallet", 4);

    @Test
    void aPartitionKeysLayoutIsItsHandlerStreamAndCount() {
        assertEquals(EIGHT, RunLayout.of("mark-order-paid", "{wallet:5/8}"));
        assertEquals(new RunLayout("h", "a:b/c", 12), RunLayout.of("h", "{a:b/c:11/12}"));
        assertNull(RunLayout.of("h", "wallet"));
        assertNull(RunLayout.of("h", "{wallet:x/y}"));
        assertEquals(EIGHT, RunLayout.parse(EIGHT.line()));
        assertNull(RunLayout.parse("garbage"));
    }

    @Test
    void onlyTheInstancesThatRunTheLayoutAreCandidates() {
        Map<String, Set<RunLayout>> runs =
                Map.of("inst-a", Set.of(EIGHT), "inst-d", Set.of(EIGHT, FOUR), "inst-e", Set.of(FOUR));
        List<String> live = List.of("inst-a", "inst-d", "inst-e");

        assertEquals(List.of("inst-a", "inst-d"), LayoutCandidates.of("mark-order-paid", "{wallet:2/8}", live, runs));
        assertEquals(List.of("inst-d", "inst-e"), LayoutCandidates.of("mark-order-paid", "{wallet:2/4}", live, runs));
        // another handler's layout: nobody states it
        assertEquals(List.of(), LayoutCandidates.of("event-logger", "{wallet:1/8}", live, runs));
    }

    @Test
    void anInstanceWhoseLayoutsAreNotKnownRunsEveryLayoutAsBefore() {
        Map<String, Set<RunLayout>> runs = Map.of("inst-e", Set.of(FOUR));
        List<String> live = List.of("inst-old", "inst-e");

        assertEquals(List.of("inst-old"), LayoutCandidates.of("mark-order-paid", "{wallet:2/8}", live, runs));
        assertEquals(List.of("inst-old", "inst-e"), LayoutCandidates.of("mark-order-paid", "{wallet:2/4}", live, runs));
        assertEquals(live, LayoutCandidates.of("mark-order-paid", "wallet", live, runs), "not a partition: no rule");
    }

    @Test
    void theOwnerIsChosenAmongTheCandidatesOnly() {
        Map<String, Set<RunLayout>> runs = Map.of("inst-a", Set.of(EIGHT), "inst-e", Set.of(FOUR));
        List<String> live = List.of("inst-a", "inst-e");
        for (int i = 0; i < 8; i++) {
            String partition = "{wallet:" + i + "/8}";
            assertEquals(
                    "inst-a",
                    Rendezvous.owner(
                            "mark-order-paid@" + partition,
                            LayoutCandidates.of("mark-order-paid", partition, live, runs)));
        }
    }

    @Test
    void instancesThatDisagreeOnACountAreNamedOncePerStream() {
        Map<String, Set<RunLayout>> runs = Map.of(
                "inst-a", Set.of(EIGHT, new RunLayout("event-logger", "wallet", 8)),
                "inst-d", Set.of(EIGHT),
                "inst-e", Set.of(FOUR),
                "inst-f", Set.of(new RunLayout("x", "orders", 2)));

        assertEquals(
                List.of(
                        "stream wallet: live instances disagree on its partition count: inst-e runs 4; inst-a, inst-d run 8"),
                LayoutMismatch.of(runs));
        assertEquals(List.of(), LayoutMismatch.of(Map.of("inst-a", Set.of(EIGHT), "inst-d", Set.of(EIGHT))));
        assertEquals(
                List.of(
                        "stream wallet: live instances disagree on its partition count: inst-a runs 4 and 8; inst-d runs 8"),
                LayoutMismatch.of(Map.of("inst-a", Set.of(EIGHT, FOUR), "inst-d", Set.of(EIGHT))),
                "an instance draining the old layout while another does not");
    }
}
