package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.ops.AuditLog;
import dev.eventbus.testkit.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginReloadsTest {

    @Test
    void refusedAttemptsPastTheMinutesBudgetAreCountedAndWrittenAsOneLine(@TempDir Path dir) throws Exception {
        TestClock clock = TestClock.at(Instant.parse("2026-12-05T20:00:00Z"));
        Path file = dir.resolve("audit.log");
        PluginReloads reloads = new PluginReloads(null, new AuditLog(file, clock), clock); // refusals ask no runtime
        int flood = PluginReloads.REFUSED_PER_WINDOW + 5;
        for (int i = 0; i < flood; i++) {
            reloads.refused("payments", "10.0.0.9:4000" + i, "admin-http", "401 unauthorized: no or a wrong token");
        }
        assertEquals(
                PluginReloads.REFUSED_PER_WINDOW, Files.readAllLines(file).size(), "one line each, up to the budget");

        clock.advance(Duration.ofSeconds(61));
        reloads.refused("payments", "10.0.0.9:5000", "admin-grpc", "UNAUTHENTICATED: no or a wrong token");
        List<String> lines = Files.readAllLines(file);
        assertEquals(PluginReloads.REFUSED_PER_WINDOW + 2, lines.size(), String.join("\n", lines));
        String summary = lines.get(PluginReloads.REFUSED_PER_WINDOW);
        assertTrue(summary.contains("\"notWritten\":5"), summary);
        assertTrue(lines.get(lines.size() - 1).contains("10.0.0.9:5000"), lines.get(lines.size() - 1));
    }
}
