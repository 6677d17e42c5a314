package dev.eventbus.runtime.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One runtime instance run as a child process ({@link CallReportingRuntime}) on the test's class
 * path, and the real signals a test sends it: {@code kill -9}, SIGTERM, SIGSTOP and SIGCONT. The
 * handler calls it reports go to a {@link HandlerCalls}; the rest of its output is echoed with its
 * name in front.
 */
final class InstanceProcess implements AutoCloseable {

    private final String name;
    private final Process process;

    private InstanceProcess(String name, Process process, HandlerCalls calls) {
        this.name = name;
        this.process = process;
        Thread.ofPlatform().daemon(true).name("output-" + name).start(() -> read(calls));
    }

    /**
     * Starts the instance {@code name} (its {@code consumer-name}) with {@code settings}. Small
     * heap, one GC thread and C1 only: several of them share a 2-core machine.
     */
    static InstanceProcess start(String name, Map<String, ?> settings, HandlerCalls calls) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                CallReportingRuntime.class.getName(),
                "eventbus.consumer-name=" + name));
        settings.forEach((k, v) -> command.add(k + "=" + v));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new InstanceProcess(name, p, calls);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: no drain, no release, no goodbye. */
    void kill() throws Exception {
        signal("KILL");
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the runtime's orderly stop; does not wait for it. */
    void terminate() throws Exception {
        signal("TERM");
    }

    void freeze() throws Exception {
        signal("STOP");
    }

    void thaw() throws Exception {
        signal("CONT");
    }

    /** Whether the kernel has it stopped (state {@code T} in {@code /proc/<pid>/stat}). */
    boolean isStopped() {
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (IOException e) {
            return false;
        }
    }

    /** Waits for the process to end; its exit code, or -1 when it is still running. */
    int awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    private void signal(String signal) throws Exception {
        int code = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                .start()
                .waitFor();
        if (code != 0 && process.isAlive()) {
            throw new IllegalStateException("kill -" + signal + " " + name + " exited with " + code);
        }
    }

    private void read(HandlerCalls calls) {
        try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!calls.add(line)) {
                    System.out.println("  [" + name + "] " + line);
                }
            }
        } catch (IOException e) {
            // The process ended; nothing more to read.
        }
    }

    /** Kills what still runs (SIGKILL ends a stopped process too). */
    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
