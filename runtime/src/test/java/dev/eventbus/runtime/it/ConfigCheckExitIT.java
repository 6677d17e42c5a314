package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.Main;
import dev.eventbus.runtime.fixtures.ExitingStartHandler;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eventbus config check} in a real child JVM, with a plugin whose start hook calls {@code
 * System.exit(0)} beside a corrupt JAR: the JVM exits with 2, printing what it found until then
 * and the exit it refused, naming where it was called (found from outside: it printed nothing and
 * exited 0, so a gate on its exit code passed a broken deployment).
 */
class ConfigCheckExitIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final ChildJvm jvm = new ChildJvm();

    @Test
    void aStartHookCallingSystemExitIsRefusedWithExitStatus2() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.writeString(plugins.resolve("a-corrupt.jar"), "not a JAR");
        new PluginJarBuilder("exiting").extension(ExitingStartHandler.class).build(plugins);
        ChildJvm.Ended ended = jvm.runToEnd(
                List.of(),
                Main.class,
                List.of("config", "check", "--plugins-dir", plugins.toString()),
                dir,
                Duration.ofSeconds(60));

        assertEquals(2, ended.exit(), ended::toString);
        assertTrue(
                ended.err().contains("config check: plugin JAR " + plugins.resolve("a-corrupt.jar")),
                "what it found before: " + ended);
        assertTrue(
                ended.err()
                        .contains("config check: a plugin called System.exit(0) during the check ("
                                + ExitingStartHandler.class.getName() + ".start(ExitingStartHandler.java:"),
                ended::toString);
        assertTrue(
                ended.err().contains("), checking plugin JAR " + plugins.resolve("exiting-1.0.0.jar") + "): refused"),
                ended::toString);
        assertTrue(ended.out().isEmpty(), "no 'configuration valid': " + ended);
    }
}
