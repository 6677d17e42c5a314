package dev.eventbus.runtime.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.cli.AdmissionCheckMain;
import dev.eventbus.runtime.fixtures.HangingPlugin;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
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
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Process p = jvm.start(
                List.of("-Djava.io.tmpdir=" + tmp),
                ExecJavaLike.class,
                List.of(AdmissionCheckMain.class.getName(), "--stall-timeout=6s", jar.toString()),
                dir.resolve("out.log"),
                dir.resolve("err.log"));

        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive());

        String out = Files.readString(dir.resolve("out.log"));
        String err = Files.readString(dir.resolve("err.log"));
        assertEquals(1, p.exitValue(), out + err);
        assertTrue(
                out.contains("eventbus admission check: stuck-1.0.0.jar: still starting after 5s; it counts as hung "
                        + "after 6s (eventbus.admission-check.stall-timeout)"),
                out + err);
        assertTrue(
                err.contains("main failed: it would hang run's start-up: stuck-1.0.0.jar: "
                        + HangingPlugin.class.getName() + ".start(HangingPlugin.java:"),
                err);
        assertTrue(err.contains(") did not return within 6s (eventbus.admission-check.stall-timeout; "), err);
        assertTrue(err.contains("; it waits in " + HangingPlugin.class.getName() + ".sleepForEver("), err);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(
                    List.of(),
                    left.filter(f -> f.getFileName().toString().startsWith("eventbus-plugins-"))
                            .toList(),
                    "its throwaway host's staging directory");
        }
    }
}
