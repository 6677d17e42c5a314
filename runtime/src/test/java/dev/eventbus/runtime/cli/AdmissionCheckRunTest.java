package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The plugin build's admission check in the JVM that runs it (AdmissionCheckMain forks that JVM). */
class AdmissionCheckRunTest {

    @TempDir
    Path dir;

    /**
     * Found from outside: the build printed the throwaway host's INFO lines (plugin started,
     * unloaded) and logged the refusal at ERROR even when it only printed the note that operators
     * must set a key. It prints its findings only (that warnings of the plugin's own stay is
     * ThrowawayHostLog's, pinned by ConfigCheckPluginsTest).
     */
    @Test
    void theBuildPrintsItsFindingsNotTheThrowawayHostsInfoOrRefusalLines() throws Exception {
        Path required = new PluginJarBuilder("threshold")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", "eventbus.plugins.threshold { threshold = null }")
                .build(Files.createDirectories(dir.resolve("required")));
        Path bundler = new PluginJarBuilder("bundler")
                .extension(RecordingHandler.class)
                .resource("io/grpc/Channel.class", new byte[] {(byte) 0xca, (byte) 0xfe})
                .build(Files.createDirectories(dir.resolve("bundler")));
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        List<String> checked = new ArrayList<>();
        Optional<String> findings;
        try {
            assertEquals(
                    Optional.empty(),
                    AdmissionCheckRun.findings(
                            AdmissionCheckOptions.parse(new String[] {required.toString()}), checked::add));
            findings = AdmissionCheckRun.findings(
                    AdmissionCheckOptions.parse(new String[] {bundler.toString()}), checked::add);
        } finally {
            root.detachAppender(logs);
        }
        assertTrue(findings.orElseThrow().startsWith("the runtime would refuse it: bundler-1.0.0.jar"), findings::get);
        List<String> logged = logs.list.stream()
                .map(e -> e.getLevel() + " " + e.getFormattedMessage())
                .toList();
        assertEquals(List.of(), logged);
        assertEquals(Level.INFO, root.getLevel(), "the levels are put back");
        assertEquals(List.of("threshold-1.0.0.jar", "bundler-1.0.0.jar"), checked, "what an exit refusal names");
    }
}
