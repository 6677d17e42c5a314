package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.cli.AdmissionCheckMain;
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
 * The plugin build's admission check, run in a child JVM as {@code exec:java} runs it inside Maven's
 * ({@link ExecJavaLike}), on a plugin whose start hook calls {@code System.exit(0)}: the build fails
 * naming the call and where it was made (found from outside: the JVM, Maven's own, ended with 0,
 * and the plugin's {@code ./mvnw verify} passed without a verdict).
 */
class AdmissionCheckMainExitIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final ChildJvm jvm = new ChildJvm();

    @Test
    void aStartHookCallingSystemExitFailsTheBuildNamingTheCall() throws Exception {
        Path jar = new PluginJarBuilder("exiting")
                .extension(ExitingStartHandler.class)
                .build(Files.createDirectories(dir.resolve("target")));
        ChildJvm.Ended ended = jvm.runToEnd(
                List.of(),
                ExecJavaLike.class,
                List.of(AdmissionCheckMain.class.getName(), jar.toString()),
                dir,
                Duration.ofSeconds(60));

        assertEquals(1, ended.exit(), ended::toString);
        assertTrue(
                ended.err()
                        .contains("main failed: a plugin called System.exit(0) during the check ("
                                + ExitingStartHandler.class.getName() + ".start(ExitingStartHandler.java:"),
                ended::toString);
        assertTrue(ended.err().contains("), checking exiting-1.0.0.jar): refused"), ended::toString);
        assertTrue(
                ended.err().contains("eventbus admission check: a plugin called System.exit(0) during the check"),
                "the check says so itself too, as it goes: " + ended);
    }
}
