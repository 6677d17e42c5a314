package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.cli.AdmissionCheckMain;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin build's admission check on a plugin whose {@code reference.conf} is cut short, run as
 * {@code exec:java} runs it ({@link ExecJavaLike}): with the plugin's {@code target/classes} first
 * on the class path, as in the plugin's build. The build fails with the runtime's reason for the
 * JAR, as the README shows it, and no stack trace (found from outside: the check's own config
 * loading read {@code target/classes/reference.conf} and failed with Typesafe Config's message and
 * stack trace, without "the runtime would refuse it").
 */
class AdmissionCheckMainBrokenReferenceIT {

    private static final String CUT_SHORT = "eventbus.plugins.svc {\n  log-calls =\n";

    @TempDir
    Path dir;

    @RegisterExtension
    final ChildJvm jvm = new ChildJvm();

    @Test
    void aReferenceConfCutShortFailsTheBuildWithTheRuntimesReason() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("target/classes"));
        Files.writeString(classes.resolve("reference.conf"), CUT_SHORT);
        Path jar = new PluginJarBuilder("svc")
                .extension(RecordingHandler.class)
                .resource("reference.conf", CUT_SHORT)
                .build(dir.resolve("target"));
        ChildJvm.Ended ended = jvm.runToEnd(
                List.of("-Dexec-java-like.first=" + classes),
                ExecJavaLike.class,
                List.of(AdmissionCheckMain.class.getName(), jar.toString()),
                dir,
                Duration.ofSeconds(60));

        assertEquals(1, ended.exit(), ended::toString);
        assertTrue(
                ended.err()
                        .contains("main failed: the runtime would refuse it: svc-1.0.0.jar (plugin svc): its "
                                + "reference.conf cannot be read: Parse: Reader: 3: Expecting a value but got wrong "
                                + "token: end of file"),
                ended::toString);
        assertFalse(ended.err().contains("\tat "), "no stack trace: " + ended);
        assertFalse(ended.err().contains("ConfigException"), ended::toString);
    }
}
