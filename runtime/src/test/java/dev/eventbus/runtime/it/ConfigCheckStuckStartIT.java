package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.Main;
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

    /** The shortest stall timeout allowed: longer than the longest back-off (30s) plus redis.command-timeout. */
    private static final String STALL =
            "eventbus { admin.stall-timeout = 32s, redis.command-timeout = 1s, consumer.block = 500ms }\n";

    @Test
    void aPluginWhoseStartNeverReturnsIsAFindingAndTheJvmExits() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        new PluginJarBuilder("stuck").pluginClass(HangingPlugin.class).build(plugins);
        Path config = Files.writeString(dir.resolve("application.conf"), STALL);
        ChildJvm.Ended ended = jvm.runToEnd(
                List.of(),
                Main.class,
                List.of("config", "check", "--config", config.toString(), "--plugins-dir", plugins.toString()),
                dir,
                Duration.ofSeconds(90));

        assertEquals(2, ended.exit(), ended::toString);
        assertTrue(
                ended.out()
                        .contains(
                                "# plugin JAR " + plugins.resolve("stuck-1.0.0.jar")
                                        + ": still starting after 5s; it counts as hung after 32s (eventbus.admin.stall-timeout)"),
                ended::toString);
        assertTrue(
                ended.err()
                        .contains("config check: plugin JAR " + plugins.resolve("stuck-1.0.0.jar")
                                + " (plugin stuck) would hang run's start-up with " + config + ": "
                                + HangingPlugin.class.getName() + ".start(HangingPlugin.java:"),
                ended::toString);
        assertTrue(ended.err().contains(") did not return within 32s (eventbus.admin.stall-timeout"), ended::toString);
        assertTrue(
                ended.err().contains("; it waits in " + HangingPlugin.class.getName() + ".sleepForEver("),
                ended::toString);
        // Left behind before (found in review).
        assertEquals(List.of(), ended.stagingLeft(), "its throwaway host's staging directory");
    }
}
