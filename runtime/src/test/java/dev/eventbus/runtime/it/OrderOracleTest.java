package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.it.HandlerCalls.Call;
import dev.eventbus.runtime.it.OrderOracle.Freeze;
import dev.eventbus.runtime.it.OrderOracle.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The oracle's window, on the record that once failed a full verify on a busy machine: inst-c,
 * frozen, ran seq 7 after the SIGCONT (its lease check had passed before the SIGSTOP) while inst-d,
 * the new owner, was already in seq 8. Times in ms, as nanoseconds.
 */
class OrderOracleTest {

    private static final long MS = 1_000_000L;
    /** SIGSTOP at 1,000 ms, stopped at 1,010, SIGCONT at 5,000. */
    private static final Freeze FREEZE = new Freeze("inst-c", 1_000 * MS, 1_010 * MS, 5_000 * MS);

    /** The new owner's seq 3 still runs when the late call starts. */
    private static List<Call> subjectWithLateCall(String lateInstance, long lateStartMs) {
        return lateCallAmong(4_900, 5_300, lateInstance, lateStartMs, 5_400);
    }

    /**
     * Subject s: seq 1 on inst-c before the freeze, 2 and 3 on inst-d (the new owner), the late
     * call of 2, then 4 on inst-d. Times in ms.
     */
    private static List<Call> lateCallAmong(
            long seq3StartMs, long seq3EndMs, String lateInstance, long lateStartMs, long seq4StartMs) {
        return List.of(
                new Call("inst-c", "s", 1, "1-0", 100 * MS, 110 * MS),
                new Call("inst-d", "s", 2, "2-0", 4_000 * MS, 4_010 * MS),
                new Call("inst-d", "s", 3, "3-0", seq3StartMs * MS, seq3EndMs * MS),
                new Call(lateInstance, "s", 2, "2-0", lateStartMs * MS, (lateStartMs + 10) * MS),
                new Call("inst-d", "s", 4, "4-0", seq4StartMs * MS, (seq4StartMs + 10) * MS));
    }

    @Test
    void aCallTheFrozenInstanceStartsRightAfterTheThawIsInTheWindow() {
        Verdict v = OrderOracle.judge(subjectWithLateCall("inst-c", 5_050), 1, 4, List.of(FREEZE));
        assertEquals(List.of(), v.problems());
        assertEquals(1, v.overlapsInWindow());
        assertEquals(1, v.duplicates());
    }

    /**
     * The record of the next loaded full verify's failure ("seq 7 after 8"): the new owner's later
     * calls had all ended when the frozen instance's late call started, so it overlaps nothing and
     * is a step back; the same window all the same.
     */
    @Test
    void aLateCallAfterTheNewOwnersLaterCallsEndedIsAStepBackInTheWindow() {
        Verdict v = OrderOracle.judge(withEndedLaterCalls("inst-c", 5_050), 1, 4, List.of(FREEZE));
        assertEquals(List.of(), v.problems());
        assertEquals(0, v.overlapsInWindow());
        assertEquals(1, v.lateInWindow());
        assertEquals(1, v.duplicates());
    }

    /**
     * The record of a later loaded full verify's failure: the frozen instance's late call repeats
     * the subject's last step (the new owner's seq 2 had ended), so it neither overlaps nor steps
     * back, and the new owner's seq 3 starts while it still runs: the overlap is the same window.
     */
    @Test
    void theNewOwnersNextCallOverlappingALateRepeatIsInTheWindow() {
        List<Call> calls = List.of(
                new Call("inst-c", "s", 1, "1-0", 100 * MS, 110 * MS),
                new Call("inst-d", "s", 2, "2-0", 4_000 * MS, 4_010 * MS),
                new Call("inst-c", "s", 2, "2-0", 5_050 * MS, 5_070 * MS),
                new Call("inst-d", "s", 3, "3-0", 5_055 * MS, 5_060 * MS));
        Verdict v = OrderOracle.judge(calls, 1, 3, List.of(FREEZE));
        assertEquals(List.of(), v.problems());
        assertEquals(1, v.overlapsInWindow());
        assertEquals(1, v.duplicates());

        Verdict notFrozen = OrderOracle.judge(
                calls.stream()
                        .map(c -> c.instance().equals("inst-c") && c.seq() == 2
                                ? new Call("inst-e", c.subject(), c.seq(), c.eventId(), c.startNanos(), c.endNanos())
                                : c)
                        .toList(),
                1,
                3,
                List.of(FREEZE));
        assertEquals(1, notFrozen.problems().size(), notFrozen.problems().toString());
    }

    @Test
    void aStepBackByAnInstanceThatWasNotFrozenOrLongAfterTheThawBreaksTheOrder() {
        Verdict other = OrderOracle.judge(withEndedLaterCalls("inst-e", 5_050), 1, 4, List.of(FREEZE));
        assertEquals(2, other.problems().size(), other.problems().toString()); // a step back, a gap after it
        Verdict late = OrderOracle.judge(withEndedLaterCalls("inst-c", 7_000), 1, 4, List.of(FREEZE));
        assertEquals(2, late.problems().size(), late.problems().toString());
    }

    /** The new owner's seq 3 has ended when the late call starts. */
    private static List<Call> withEndedLaterCalls(String lateInstance, long lateStartMs) {
        return lateCallAmong(4_100, 4_110, lateInstance, lateStartMs, 7_400);
    }

    @Test
    void theSameCallFromAnInstanceThatWasNotFrozenBreaksTheOrder() {
        Verdict v = OrderOracle.judge(subjectWithLateCall("inst-e", 5_050), 1, 4, List.of(FREEZE));
        assertEquals(1, v.overlapsOutsideWindow());
        assertEquals(3, v.problems().size(), v.problems().toString()); // a step back, the overlap, a gap after it
    }

    @Test
    void aCallTheFrozenInstanceStartsLongAfterTheThawBreaksTheOrder() {
        List<Call> calls = List.of(
                new Call("inst-c", "s", 1, "1-0", 100 * MS, 110 * MS),
                new Call("inst-d", "s", 2, "2-0", 4_000 * MS, 4_010 * MS),
                new Call("inst-d", "s", 3, "3-0", 4_900 * MS, 7_300 * MS),
                new Call("inst-c", "s", 2, "2-0", 7_000 * MS, 7_010 * MS), // 2 s after SIGCONT
                new Call("inst-d", "s", 4, "4-0", 7_400 * MS, 7_410 * MS));
        Verdict v = OrderOracle.judge(calls, 1, 4, List.of(FREEZE));
        assertEquals(1, v.overlapsOutsideWindow(), v.problems().toString());
    }
}
