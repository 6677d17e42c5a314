package dev.eventbus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the whole benchmark in smoke mode (small backlog, one repetition, short latency phase)
 * against the packaged runner JAR and plugin JARs. It checks that every scenario completes for
 * both systems with positive figures, that every drain handled every event (the ordered one in
 * order, the pair between its two processes, the Redis Cluster drain on every partition, the
 * ordered drains by 1 to 3 instances on every partition, the ordered cluster drain in order), that
 * the cluster failover and the rebalances lost nothing, and that the new rows reach the JSON; it
 * never judges a timing or a ratio.
 */
class BenchmarkSmokeIT {

    @Test
    @Timeout(value = 600)
    void everyScenarioCompletesWithPositiveFigures() throws Exception {
        Path out = Path.of(System.getProperty("bench.out", "target/smoke"));
        long t0 = System.nanoTime();
        Report report = BenchmarkMain.run("--smoke", "--out", out.toString());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(report.problems().isEmpty(), "problems: " + report.problems());
        assertEquals(
                java.util.Arrays.stream(Scenario.values())
                        .mapToInt(s -> s.systems().size())
                        .sum(),
                report.runs().size(),
                "one run per scenario and system");
        assertTrue(report.runs().stream().anyMatch(r -> r.system().equals("strongest")), "the strongest reference ran");
        assertTrue(report.runs().stream().allMatch(Benchmark.Run::ok));
        for (Report.Row row : report.rows()) {
            if (!row.diagnostic()) {
                assertTrue(
                        (row.eventbusOnly() || row.reference() > 0) && row.eventbus() > 0, row.figure() + ": " + row);
            }
        }

        for (Benchmark.Run run : report.runs()) {
            Map<String, Double> v = run.values();
            if (run.scenario().cold()) {
                String what = run.scenario().id + " " + run.system();
                assertEquals(0.0, v.get("pending_after"), what + ": nothing left pending");
                assertEquals(v.get("events"), v.get("entries_read"), what + ": every entry read");
                assertTrue(v.get("first_ack_ms") > 0 && v.get("total_s") > 0 && v.get("cpu_ms") > 0, what + ": " + v);
            } else if (run.scenario().backlog(Settings.smoke(null, null, null)) > 0) {
                String what = run.scenario().id + " " + run.system();
                assertEquals(0.0, v.get("pending_after"), what + ": nothing left pending");
                assertEquals(0.0, v.get("out_of_order"), what + ": every subject in stream order");
                assertEquals(0.0, v.get("errors"), what);
                assertNotNull(v.get("duplicates"), what + ": duplicates counted");
            }
            if (run.scenario() == Scenario.DRAIN_NOOP_CLUSTER) {
                String what = "cluster drain " + run.system();
                assertEquals(0.0, v.get("pending_after"), what + ": nothing left pending");
                assertTrue(v.get("late_events_per_s") > v.get("events_per_s") / 10, what + ": last half timed: " + v);
                assertTrue(
                        v.get("first_events_per_s") > v.get("events_per_s") / 10,
                        what + ": one-node window timed: " + v);
                assertTrue(v.get("server_cpu_us_per_event") > 0, what + ": the redis-servers' CPU counted: " + v);
                assertEquals(0.0, v.get("errors"), what);
                assertNotNull(v.get("duplicates"), what + ": duplicates counted");
            }
            if (run.scenario() == Scenario.FAILOVER_CLUSTER) {
                String what = "cluster failover " + run.system();
                assertEquals(0.0, v.get("lost"), what + ": nothing lost");
                assertTrue(v.get("failover_ms") > 0 && v.get("first_xadd_ms") > 0, what + ": " + v);
            }
            if (run.scenario() == Scenario.ORDERED_INSTANCES) {
                String what = "ordered drain " + run.system();
                assertEquals(0.0, v.get("lost"), what + ": every event acknowledged");
                assertEquals(0.0, v.get("pending_after"), what + ": nothing left pending");
                assertEquals(run.system().equals("unpartitioned") ? 1.0 : 8.0, v.get("partitions"), what);
                assertEquals(
                        run.system().equals("unpartitioned")
                                ? 1.0
                                : Double.parseDouble(run.system().substring("partitioned-".length())),
                        v.get("instances"),
                        what);
            }
            if (run.scenario() == Scenario.REBALANCE) {
                assertEquals(0.0, v.get("lost"), "rebalance: every event acknowledged");
                assertEquals(0.0, v.get("pending_after"), "rebalance: nothing left pending");
                assertTrue(v.get("join_ms") > 0 && v.get("leave_ms") > 0 && v.get("events") > 0, "rebalance: " + v);
            }
            if (run.scenario() == Scenario.ORDERED_CLUSTER) {
                String what = "ordered cluster drain " + run.system();
                assertEquals(0.0, v.get("out_of_order"), what + ": every subject in stream order");
                assertEquals(0.0, v.get("pending_after"), what + ": nothing left pending");
            }
            if (run.scenario() == Scenario.DRAIN_NOOP_PAIR) {
                String what = "pair " + run.system();
                assertEquals(0.0, v.get("lost"), what + ": nothing lost");
                assertEquals(
                        v.get("events") + v.get("duplicates"),
                        v.get("handled_1") + v.get("handled_2"),
                        what + ": the two processes' counts add up");
            }
        }

        Report.Row onOff = row(report, "ordering on / off");
        assertEquals(0.8, onOff.limit(), "the issue's target");
        assertNotNull(onOff.meets(), "judged against its target");
        assertEquals("ordered-by-subject / drain-noop", onOff.ownRatioOf());
        Report.Row pair = row(report, "pair / single process");
        assertEquals("drain-noop-pair / drain-noop", pair.ownRatioOf());

        for (String prefix : List.of(
                "  vs strongest reference (overlapped",
                "  vs strongest reference (async calls",
                "client CPU per event (measured window)",
                "burst of 10,000 from a cold process",
                "burst of 100,000 from a cold process")) {
            Report.Row r = row(report, prefix);
            assertTrue(
                    r.reference() != null && r.reference() > 0 && r.eventbus() != null && r.eventbus() > 0,
                    prefix + ": " + r);
        }
        assertEquals(1.0, row(report, "  vs strongest reference (overlapped").limit(), "the issue's target");
        assertEquals(
                1.15,
                report.rows().stream()
                        .filter(r -> r.figure().equals("  vs strongest reference")
                                && r.unit().equals("us"))
                        .findFirst()
                        .orElseThrow()
                        .limit(),
                "the issue's CPU target");
        Report.Row first = report.rows().stream()
                .filter(r -> r.figure().equals("  start to first event acknowledged"))
                .findFirst()
                .orElseThrow();
        assertTrue(first.absolute() && first.limit() == 1000.0 && first.meets() != null, first.toString());
        assertTrue(row(report, "  the same, Eventbus without its AOT cache").reference() > 0, "the no-AOT start ran");

        String json = Files.readString(out.resolve("benchmark.json"));
        assertTrue(json.contains("\"complete\": true"), json);
        assertFalse(json.contains("NaN"), json);
        assertTrue(json.contains("\"figure\": \"ordering on / off (ordered / no-op drain)\""), json);
        assertTrue(json.contains("\"figure\": \"no-op drain, 2 processes sharing the group\""), json);
        assertTrue(json.contains("\"eachSystemRatioOf\": \"drain-noop-pair / drain-noop\""), json);
        assertTrue(json.contains("\"figure\": \"no-op drain on a Redis Cluster"), json);
        assertTrue(json.contains("\"figure\": \"cluster failover: primary kill -9 to first event handled\""), json);
        assertTrue(json.contains("\"figure\": \"ordered drain, 20,000, 8 partitions, 1 instance (right)"), json);
        assertTrue(json.contains("\"figure\": \"3 instances (right) / 1, both partitioned\""), json);
        assertTrue(json.contains("\"figure\": \"rebalance under load: instance joins"), json);
        assertTrue(json.contains("\"figure\": \"rebalance under load: instance leaves"), json);
        assertTrue(json.contains("\"figure\": \"ordered drain on a Redis Cluster"), json);
        System.out.printf("smoke benchmark took %d s%n", took.toSeconds());
    }

    private static Report.Row row(Report report, String prefix) {
        return report.rows().stream()
                .filter(r -> r.figure().startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + prefix + "' in " + report.rows()));
    }
}
