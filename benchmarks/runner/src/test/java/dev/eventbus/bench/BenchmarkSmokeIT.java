package dev.eventbus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the whole benchmark in smoke mode (small backlog, one repetition, short latency phase)
 * against the packaged runner JAR and plugin JARs. It checks that every scenario completes for
 * both systems with positive figures, that every drain handled every event (the ordered one in
 * order, the pair between its two processes) and that the new rows reach the JSON; it never judges
 * a timing or a ratio.
 */
class BenchmarkSmokeIT {

    @Test
    @Timeout(value = 240)
    void everyScenarioCompletesWithPositiveFigures() throws Exception {
        Path out = Path.of(System.getProperty("bench.out", "target/smoke"));
        long t0 = System.nanoTime();
        Report report = BenchmarkMain.run("--smoke", "--out", out.toString());
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertTrue(report.problems().isEmpty(), "problems: " + report.problems());
        assertEquals(Scenario.values().length * Benchmark.SYSTEMS.size(), report.runs().size(),
                "one run per scenario and system");
        assertTrue(report.runs().stream().allMatch(Benchmark.Run::ok));
        for (Report.Row row : report.rows()) {
            if (!row.diagnostic()) {
                assertTrue(row.reference() > 0 && row.eventbus() > 0, row.figure() + ": " + row);
            }
        }

        for (Benchmark.Run run : report.runs()) {
            Map<String, Double> v = run.values();
            if (run.scenario().backlog(Settings.smoke(null, null, null)) > 0) {
                String what = run.scenario().id + " " + run.system();
                assertEquals(0.0, v.get("pending_after"), what + ": nothing left pending");
                assertEquals(0.0, v.get("out_of_order"), what + ": every subject in stream order");
                assertEquals(0.0, v.get("errors"), what);
                assertNotNull(v.get("duplicates"), what + ": duplicates counted");
            }
            if (run.scenario() == Scenario.DRAIN_NOOP_PAIR) {
                String what = "pair " + run.system();
                assertEquals(0.0, v.get("lost"), what + ": nothing lost");
                assertEquals(v.get("events") + v.get("duplicates"), v.get("handled_1") + v.get("handled_2"),
                        what + ": the two processes' counts add up");
            }
        }

        Report.Row onOff = row(report, "ordering on / off");
        assertEquals(0.8, onOff.limit(), "the issue's target");
        assertNotNull(onOff.meets(), "judged against its target");
        assertEquals("ordered-by-subject / drain-noop", onOff.ownRatioOf());
        Report.Row pair = row(report, "pair / single process");
        assertEquals("drain-noop-pair / drain-noop", pair.ownRatioOf());

        String json = Files.readString(out.resolve("benchmark.json"));
        assertTrue(json.contains("\"complete\": true"), json);
        assertFalse(json.contains("NaN"), json);
        assertTrue(json.contains("\"figure\": \"ordering on / off (ordered / no-op drain)\""), json);
        assertTrue(json.contains("\"figure\": \"no-op drain, 2 processes sharing the group\""), json);
        assertTrue(json.contains("\"eachSystemRatioOf\": \"drain-noop-pair / drain-noop\""), json);
        System.out.printf("smoke benchmark took %d s%n", took.toSeconds());
    }

    private static Report.Row row(Report report, String prefix) {
        return report.rows().stream().filter(r -> r.figure().startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + prefix + "' in " + report.rows()));
    }
}
