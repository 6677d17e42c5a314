package dev.eventbus.runtime.it;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
