package dev.eventbus.runtime.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The entry point of the plugin build's admission check ({@code eventbus-plugin-parent} runs it at
 * {@code verify} with {@code exec:java}, which runs it inside Maven's own JVM): the check itself
 * ({@link AdmissionCheckRun}) runs in a JVM of its own, on the same JDK and class path, and this
 * relays its output and fails the build with its verdict. The plugin's code runs only there: a
 * plugin that calls {@code System.exit} there cannot end Maven with its status, nor leave the
 * check without a verdict (found from outside: {@code System.exit(0)} in a start hook ended the
 * build with 0 and "BUILD SUCCESS" unsaid, the check never finished); and threads a plugin leaves
 * running end with that JVM. Stateless.
 */
public final class AdmissionCheckMain {

    private AdmissionCheckMain() {}

    /**
     * @param args {@code --stall-timeout=<duration>} (optional, as the config file writes one:
     *     {@code 2m}, {@code 30s}), then the plugin JARs to check
     * @throws AdmissionCheckFailed naming every refusal as the runtime records it, every JAR whose
     *     start did not return in time, or the exit a plugin called during the check
     * @throws IllegalArgumentException on arguments it cannot read
     */
    public static void main(String[] args) throws InterruptedException, IOException {
        AdmissionCheckOptions options = AdmissionCheckOptions.parse(args);
        Path verdict = Files.createTempFile("eventbus-admission-verdict", ".txt");
        try {
            Files.delete(verdict); // written whole by the check, or not at all
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                    "-Dstdout.encoding=UTF-8",
                    "-Dstderr.encoding=UTF-8",
                    "-cp",
                    classPath(),
                    AdmissionCheckRun.class.getName(),
                    AdmissionCheckRun.verdictOption(verdict)));
            command.addAll(options.args());
            Process check = new ProcessBuilder(command).start();
            check.getOutputStream().close();
            Thread out = relay(check.getInputStream(), System.out);
            Thread err = relay(check.getErrorStream(), System.err);
            int status;
            try {
                status = check.waitFor();
            } finally {
                check.destroyForcibly(); // when interrupted; a no-op once it ended
            }
            // Its output is all there once it ended, unless a process the plugin started holds the pipes.
            out.join(2_000);
            err.join(2_000);
            if (!Files.isRegularFile(verdict)) {
                throw new AdmissionCheckFailed("the check ended without a verdict (exit status " + status
                        + "; see its output above): the plugin's code ended the JVM (Runtime.halt?) or crashed it");
            }
            String said = Files.readString(verdict, StandardCharsets.UTF_8);
            if (!said.equals(AdmissionCheckRun.ADMITTED)) {
                throw new AdmissionCheckFailed(said.substring(said.indexOf('\n') + 1));
            }
        } finally {
            Files.deleteIfExists(verdict);
        }
    }

    /**
     * This JVM's class path for the check: under {@code exec:java} the project's (its class loader's
     * URLs: the runtime and the plugin's test class path), else the JVM's own.
     */
    private static String classPath() {
        if (AdmissionCheckMain.class.getClassLoader() instanceof URLClassLoader loader) {
            return Stream.of(loader.getURLs())
                    .map(AdmissionCheckMain::path)
                    .collect(Collectors.joining(File.pathSeparator));
        }
        return System.getProperty("java.class.path");
    }

    private static String path(URL url) {
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("not a file on the class path: " + url, e);
        }
    }

    /** Copies the check's lines as they come, so the build shows them as it goes. */
    private static Thread relay(InputStream from, PrintStream to) {
        return Thread.ofPlatform()
                .name("eventbus-admission-check-output")
                .daemon(true)
                .start(() -> {
                    try (BufferedReader lines =
                            new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                            to.println(line);
                        }
                    } catch (IOException e) {
                        // Closed under it: the check's output ends here. Not thrown: exec:java would take an
                        // exception of a thread of its group for the build's failure.
                    }
                });
    }
}
