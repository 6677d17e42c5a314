package dev.eventbus.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the whole benchmark in smoke mode (small backlog, one repetition, short latency phase)
 * against the packaged runner JAR and plugin JARs. It checks that every scenario completes for
 * both systems and reports positive figures; it never judges a timing or a ratio.
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
        int supported = 0;
        for (Scenario s : Scenario.values()) {
            supported += s.supported ? 1 : 0;
        }
        assertEquals(supported * Benchmark.SYSTEMS.size(), report.runs().size(), "one run per scenario and system");
        assertTrue(report.runs().stream().allMatch(Benchmark.Run::ok));
        for (Report.Row row : report.rows()) {
            if (row.note() == null && !row.diagnostic()) {
                assertTrue(row.reference() > 0 && row.eventbus() > 0, row.figure() + ": " + row);
            }
        }
        assertTrue(report.rows().stream().anyMatch(r -> r.figure().startsWith("ordering") && r.note() != null),
                "ordering by subject is reported as n/a");
        String json = Files.readString(out.resolve("benchmark.json"));
        assertTrue(json.contains("\"complete\": true"), json);
        assertFalse(json.contains("NaN"), json);
        System.out.printf("smoke benchmark took %d s%n", took.toSeconds());
    }
}
