package dev.eventbus.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap limit {@code bin/eventbus} chooses: the launcher from the sources, run with a stand-in
 * {@code java} that reports Java 21 and prints the arguments it was given, so no JVM starts.
 */
class LauncherHeapTest {

    private static final Path BIN = Path.of("src", "bin");
    private static final String DEFAULT_LIMIT = "-XX:MaxRAMPercentage=50";

    @TempDir
    Path home;

    private Path javaHome;

    @BeforeEach
    void installLauncherAndStandInJava() throws IOException {
        Path bin = Files.createDirectories(home.resolve("bin"));
        for (String script : List.of("eventbus", "find-java")) {
            Files.copy(BIN.resolve(script), bin.resolve(script), StandardCopyOption.REPLACE_EXISTING);
            bin.resolve(script).toFile().setExecutable(true);
        }
        javaHome = home.resolve("jdk");
        Path java = Files.createDirectories(javaHome.resolve("bin")).resolve("java");
        Files.writeString(java, """
                #!/bin/sh
                case "$*" in
                  *-XshowSettings:properties*) echo '    java.specification.version = 21' >&2; exit 0 ;;
                esac
                for a in "$@"; do echo "$a"; done
                """);
        java.toFile().setExecutable(true);
    }

    @Test
    void withoutAHeapOptionTheLauncherLimitsTheHeapToHalfTheMemory() throws Exception {
        List<String> args = launch(Map.of());
        assertTrue(args.contains(DEFAULT_LIMIT), String.valueOf(args));
        assertTrue(args.indexOf(DEFAULT_LIMIT) < args.indexOf("dev.eventbus.runtime.Main"), String.valueOf(args));
    }

    @Test
    void aHeapOptionOfTheOperatorWins() throws Exception {
        for (Map<String, String> env : List.of(
                Map.of("JAVA_OPTS", "-Xmx768m"),
                Map.of("JAVA_OPTS", "-Dx=1 -XX:MaxRAMPercentage=80"),
                Map.of("JAVA_OPTS", "-XX:MaxHeapSize=1g"),
                Map.of("JAVA_TOOL_OPTIONS", "-Xmx1g"),
                Map.of("JDK_JAVA_OPTIONS", "-XX:MaxRAM=2g"))) {
            List<String> args = launch(env);
            assertFalse(args.contains(DEFAULT_LIMIT), env + ": " + args);
        }
        List<String> args = launch(Map.of("JAVA_OPTS", "-Xmx768m"));
        assertEquals(1, args.stream().filter(a -> a.startsWith("-Xmx")).count(), String.valueOf(args));
    }

    @Test
    void javaOptsAreSplitAtWhiteSpaceButNeverExpandedAsFileNames() throws Exception {
        Files.createFile(home.resolve("-Dx=GLOBBED")); // in the directory the launcher runs in
        List<String> args = launch(Map.of("JAVA_OPTS", "-Dx=* -Dy=a?c -Xlog:gc"));
        assertTrue(args.contains("-Dx=*"), String.valueOf(args));
        assertTrue(args.contains("-Dy=a?c"), String.valueOf(args));
        assertTrue(args.contains("-Xlog:gc"), String.valueOf(args));
        assertFalse(args.contains("-Dx=GLOBBED"), String.valueOf(args));
    }

    private List<String> launch(Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/eventbus").toString(), "--version");
        builder.environment()
                .keySet()
                .removeIf(k -> k.startsWith("EVENTBUS_") || k.startsWith("JAVA") || k.equals("JDK_JAVA_OPTIONS"));
        builder.environment().put("JAVA_HOME", javaHome.toString());
        builder.environment().putAll(env);
        builder.directory(home.toFile());
        builder.redirectErrorStream(true);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), out);
        assertEquals(0, process.exitValue(), out);
        return out.lines().toList();
    }
}
