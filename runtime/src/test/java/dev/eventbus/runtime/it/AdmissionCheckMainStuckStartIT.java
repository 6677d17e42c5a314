package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.cli.AdmissionCheckMain;
import dev.eventbus.runtime.fixtures.HangingPlugin;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin build's admission check, run in a child JVM as {@code exec:java} runs it ({@link
 * ExecJavaLike}), on a plugin whose {@code Plugin.start()} never returns and leaves a thread that is
 * not a daemon: the check says it waits, then fails naming the code that did not return, and the
 * build ends (found from outside: the plugin's build hung for ever, printing nothing), leaving no
 * staging directory behind.
 */
class AdmissionCheckMainStuckStartIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final ChildJvm jvm = new ChildJvm();

    @Test
    void aPluginWhoseStartNeverReturnsFailsTheBuildNamingItsCode() throws Exception {
        Path jar = new PluginJarBuilder("stuck")
                .pluginClass(HangingPlugin.class)
                .build(Files.createDirectories(dir.resolve("target")));
        ChildJvm.Ended ended = jvm.runToEnd(
                List.of(),
                ExecJavaLike.class,
                List.of(AdmissionCheckMain.class.getName(), "--stall-timeout=6s", jar.toString()),
                dir,
                Duration.ofSeconds(60));

        assertEquals(1, ended.exit(), ended::toString);
        assertTrue(
                ended.out()
                        .contains("eventbus admission check: stuck-1.0.0.jar: still starting after 5s; it counts as "
                                + "hung after 6s (eventbus.admission-check.stall-timeout)"),
                ended::toString);
        assertTrue(
                ended.err()
                        .contains("main failed: it would hang run's start-up: stuck-1.0.0.jar: "
                                + HangingPlugin.class.getName() + ".start(HangingPlugin.java:"),
                ended::toString);
        assertTrue(
                ended.err().contains(") did not return within 6s (eventbus.admission-check.stall-timeout; "),
                ended::toString);
        assertTrue(
                ended.err().contains("; it waits in " + HangingPlugin.class.getName() + ".sleepForEver("),
                ended::toString);
        assertEquals(List.of(), ended.stagingLeft(), "its throwaway host's staging directory");
    }
}
