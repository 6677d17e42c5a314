package dev.eventbus.runtime.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JVMs of their own on this test's JDK and class path, each running one main class, for tests of
 * what a real process does (exits, hangs, leaves behind) that an in-process call cannot show. Kills
 * those still running after each test. Register it per test instance ({@code @RegisterExtension}).
 */
final class ChildJvm implements AfterEachCallback {

    private final List<Process> started = new ArrayList<>();

    /**
     * @param jvmOptions options before the class path ({@code -Dkey=value})
     * @param log where its standard output and error go, together
     */
    Process start(List<String> jvmOptions, Class<?> mainClass, List<String> args, Path log) throws IOException {
        return start(
                builder(jvmOptions, mainClass, args).redirectErrorStream(true).redirectOutput(log.toFile()));
    }

    /** As {@link #start(List, Class, List, Path)}, its standard output and error apart. */
    Process start(List<String> jvmOptions, Class<?> mainClass, List<String> args, Path out, Path err)
            throws IOException {
        return start(builder(jvmOptions, mainClass, args)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile()));
    }

    /** A child JVM that ended: its exit code, what it printed, and the names left in its temp directory. */
    record Ended(int exit, String out, String err, List<String> leftInTmp) {

        /** What it left in its temp directory of a plugin host's staging ({@code eventbus-plugins-<n>}). */
        List<String> stagingLeft() {
            return leftInTmp.stream()
                    .filter(name -> name.startsWith("eventbus-plugins-"))
                    .toList();
        }
    }

    /**
     * Runs one to its end, its temp directory ({@code java.io.tmpdir}) and its output files ({@code
     * out.log}, {@code err.log}) in {@code dir}.
     *
     * @throws org.awaitility.core.ConditionTimeoutException when it did not end {@code within}
     */
    Ended runToEnd(List<String> jvmOptions, Class<?> mainClass, List<String> args, Path dir, Duration within)
            throws IOException {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-Djava.io.tmpdir=" + tmp);
        Process p = start(options, mainClass, args, dir.resolve("out.log"), dir.resolve("err.log"));
        await().atMost(within).until(() -> !p.isAlive());
        try (Stream<Path> left = Files.list(tmp)) {
            return new Ended(
                    p.exitValue(),
                    Files.readString(dir.resolve("out.log")),
                    Files.readString(dir.resolve("err.log")),
                    left.map(f -> f.getFileName().toString()).toList());
        }
    }

    private Process start(ProcessBuilder builder) throws IOException {
        Process process = builder.start();
        started.add(process);
        return process;
    }

    private static ProcessBuilder builder(List<String> jvmOptions, Class<?> mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        return new ProcessBuilder(command);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        started.forEach(Process::destroyForcibly);
        started.clear();
    }
}
