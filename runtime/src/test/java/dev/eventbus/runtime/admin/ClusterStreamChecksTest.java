package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.consumer.StreamNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * README, "Where each stream lives": readiness's check per stream on a cluster. Found from outside:
 * while a primary did not answer the checks were left out (1.3 s after a kill -9, 6 s with a frozen
 * one), and a stream whose slot had no primary left readiness 200 UP for 4 s.
 */
class ClusterStreamChecksTest {

    private static final Map<String, StreamNode> VIEW = Map.of(
            "orders", new StreamNode("10.0.0.7:7000", "master", ""),
            "payments", new StreamNode("10.0.0.8:7000", "master", ""),
            "{wallet:1/8}", new StreamNode("?", "?", "no primary serves slot 13006 now: following a failover"));

    private static Optional<StreamNode> nodeOf(String stream) {
        return Optional.ofNullable(VIEW.get(stream));
    }

    @Test
    void aStreamOnAPrimaryThatDoesNotAnswerIsNamedWithIt() {
        ClusterStreamChecks checks = ClusterStreamChecks.of(
                List.of("payments", "orders", "orders"), ClusterStreamChecksTest::nodeOf, List.of("10.0.0.7:7000"));
        assertEquals(
                Map.of(
                        "stream orders", "on 10.0.0.7:7000 (master); its primary does not answer",
                        "stream payments", "on 10.0.0.8:7000 (master)"),
                checks.checks());
        assertEquals(
                List.of("stream orders", "stream payments"),
                List.copyOf(checks.checks().keySet()));
        assertTrue(checks.served(), "the slot has a primary; the redis check says it does not answer");
    }

    @Test
    void aStreamWhoseSlotHasNoPrimaryIsNotServed() {
        ClusterStreamChecks checks =
                ClusterStreamChecks.of(List.of("orders", "{wallet:1/8}"), ClusterStreamChecksTest::nodeOf, List.of());
        assertEquals(
                "on ? (?); no primary serves slot 13006 now: following a failover",
                checks.checks().get("stream {wallet:1/8}"));
        assertFalse(checks.served());
        assertEquals(Set.of("{wallet:1/8}"), checks.unserved());
    }

    @Test
    void aStreamTheClientHasNoViewOfYetHasNoCheck() {
        ClusterStreamChecks checks =
                ClusterStreamChecks.of(List.of("unknown"), ClusterStreamChecksTest::nodeOf, List.of("10.0.0.7:7000"));
        assertEquals(Map.of(), checks.checks());
        assertTrue(checks.served());
    }
}
