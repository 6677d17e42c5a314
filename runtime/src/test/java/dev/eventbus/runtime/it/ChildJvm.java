package dev.eventbus.runtime.it;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command of a JVM of its own on this test's JDK and class path, running one main class: for
 * tests of what a real process does (exits, hangs, leaves behind) that an in-process call cannot show.
 */
final class ChildJvm {

    private ChildJvm() {}

    /**
     * @param jvmOptions options before the class path ({@code -Dkey=value})
     * @return a builder for it, its output not yet redirected
     */
    static ProcessBuilder of(List<String> jvmOptions, Class<?> mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        return new ProcessBuilder(command);
    }
}
