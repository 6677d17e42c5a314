package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.ops.AuditLog;
import dev.eventbus.testkit.TestClock;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginReloadsTest {

    /** A runtime that runs no plugin and refuses every reload with {@code refusal}. */
    private static RuntimeView refusing(Exception refusal) {
        return (RuntimeView) Proxy.newProxyInstance(
                RuntimeView.class.getClassLoader(), new Class<?>[] {RuntimeView.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "plugins" -> {
                            return List.of();
                        }
                        case "reloadPlugin" -> throw refusal;
                        default -> throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private static JsonNode lastLine(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        return new ObjectMapper().readTree(lines.get(lines.size() - 1));
    }

    @Test
    void aReloadTheRuntimeRefusesIsAuditedInItsWordsWithoutTheJavaClass(@TempDir Path dir) throws Exception {
        // Found from outside: POST /plugins/nope/reload wrote
        // "refused":"IllegalArgumentException: no plugin 'nope' is installed or refused".
        TestClock clock = TestClock.at(Instant.parse("2026-12-05T20:00:00Z"));
        Path file = dir.resolve("audit.log");
        for (String via : List.of("admin-http", "admin-grpc")) {
            PluginReloads unknown = new PluginReloads(
                    refusing(new IllegalArgumentException("no plugin 'nope' is installed or refused")),
                    new AuditLog(file, clock),
                    clock);
            assertThrows(IllegalArgumentException.class, () -> unknown.reload("nope", "10.0.0.9:4000", via));
            JsonNode line = lastLine(file);
            assertEquals(
                    "no plugin 'nope' is installed or refused",
                    line.findValue("refused").asText(),
                    line.toString());
            assertEquals(via, line.findValue("via").asText(), line.toString());
        }
        // A JAR that cannot be read keeps its kind: the message alone is only the path.
        PluginReloads unreadable = new PluginReloads(
                refusing(new NoSuchFileException("/opt/eventbus/plugins/p.jar")), new AuditLog(file, clock), clock);
        assertThrows(NoSuchFileException.class, () -> unreadable.reload("p", "10.0.0.9:4000", "admin-http"));
        assertEquals(
                "NoSuchFileException: /opt/eventbus/plugins/p.jar",
                lastLine(file).findValue("refused").asText());
    }

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
