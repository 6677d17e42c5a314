package dev.eventbus.runtime.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.Main;
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
 * {@code eventbus config check} in a real child JVM, with a plugin whose {@code Plugin.start()}
 * never returns and leaves a thread that is not a daemon: the check says so once {@code
 * admin.stall-timeout} has passed (and that it is waiting, before), and the JVM exits with 2 though
 * the plugin's threads still run (found from outside: it hung for ever, printing nothing), leaving
 * no staging directory behind.
 */
class ConfigCheckStuckStartIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final ChildJvm jvm = new ChildJvm();

    @Test
    void aPluginWhoseStartNeverReturnsIsAFindingAndTheJvmExits() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("stuck").pluginClass(HangingPlugin.class).build(plugins);
        Path config = Files.writeString(dir.resolve("application.conf"), "eventbus.admin.stall-timeout = 6s\n");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Process p = jvm.start(
                List.of("-Djava.io.tmpdir=" + tmp),
                Main.class,
                List.of("config", "check", "--config", config.toString(), "--plugins-dir", plugins.toString()),
                dir.resolve("out.log"),
                dir.resolve("err.log"));

        await().atMost(Duration.ofSeconds(60)).until(() -> !p.isAlive());

        String out = Files.readString(dir.resolve("out.log"));
        String err = Files.readString(dir.resolve("err.log"));
        assertEquals(2, p.exitValue(), out + err);
        assertTrue(
                out.contains("# plugin JAR " + plugins.resolve("stuck-1.0.0.jar")
                        + ": still starting after 5s; it counts as hung after 6s (eventbus.admin.stall-timeout)"),
                out + err);
        assertTrue(
                err.contains("config check: plugin JAR " + plugins.resolve("stuck-1.0.0.jar")
                        + " (plugin stuck) would hang run's start-up with " + config + ": "
                        + HangingPlugin.class.getName() + ".start(HangingPlugin.java:"),
                err);
        assertTrue(err.contains(") did not return within 6s (eventbus.admin.stall-timeout"), err);
        assertTrue(err.contains("; it waits in " + HangingPlugin.class.getName() + ".sleepForEver("), err);
        // Its throwaway host's staging directory, left behind before (found in review).
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(
                    List.of(),
                    left.filter(f -> f.getFileName().toString().startsWith("eventbus-plugins-"))
                            .toList());
        }
    }
}
