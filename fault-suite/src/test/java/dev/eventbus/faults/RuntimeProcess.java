package dev.eventbus.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code bin/eventbus run} of the unpacked distribution, as a child process: the launcher
 * {@code exec}s the JVM, so this process is the runtime itself and signals reach it directly
 * (SIGKILL = {@link #kill9()}, SIGTERM = {@link #sigterm()}). stdout and stderr go to one log file.
 */
final class RuntimeProcess {

    static final Path DIST = Path.of(System.getProperty("eventbus.dist", "../dist/target/eventbus"))
            .toAbsolutePath()
            .normalize();
    /** Small heap, serial GC and C1 only: quick to start and light on a 2-core machine. */
    private static final String JAVA_OPTS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    final String label;
    final String consumerName;
    final Process process;
    final Path log;
    private final int subscriptions;

    private RuntimeProcess(String label, String consumerName, Process process, Path log, int subscriptions) {
        this.label = label;
        this.consumerName = consumerName;
        this.process = process;
        this.log = log;
        this.subscriptions = subscriptions;
    }

    /** @param subscriptions how many subscriptions the plugins directory holds, checked by {@link #awaitRunning} */
    static RuntimeProcess start(
            String label, String consumerName, Path config, Path plugins, Path log, Path workDir, int subscriptions)
            throws IOException {
        Path launcher = DIST.resolve("bin/eventbus");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException(launcher + " is missing: build the distribution first "
                    + "(./mvnw -pl fault-suite -am install -DskipTests)");
        }
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "run").directory(workDir.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("EVENTBUS_"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JAVA_OPTS", JAVA_OPTS);
        env.put("EVENTBUS_CONFIG", config.toString());
        env.put("EVENTBUS_PLUGINS_DIR", plugins.toString());
        env.put("EVENTBUS_CONSUMER_NAME", consumerName);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new RuntimeProcess(label, consumerName, builder.start(), log, subscriptions);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the "eventbus running" line; fails with the log tail if the child dies or is slow. */
    void awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String out = output();
            if (out.contains("eventbus running:")) {
                if (!out.contains("eventbus running: " + subscriptions + " subscription(s), 0 plugin(s) refused")) {
                    throw new AssertionError("the runtime did not admit the fault plugin\n" + describe());
                }
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("the runtime exited before it ran\n" + describe());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the runtime did not start within " + timeout + "\n" + describe());
    }

    /** SIGKILL, as a crash: no shutdown hook, nothing flushed. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the runtime's shutdown hook drains. */
    void sigterm() {
        process.destroy();
    }

    /** @return the exit code, or null when still running after the timeout */
    Integer awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
    }

    /** For {@code @AfterEach}: SIGKILL, at once. */
    void killQuietly() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    String output() {
        try {
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String describe() {
        String[] lines = output().split("\n");
        String tail = String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 40), lines.length));
        return "--- runtime " + label + " (consumer " + consumerName + ", pid " + process.pid() + ", "
                + (process.isAlive() ? "running" : "exit " + process.exitValue()) + "), log " + log
                + ", last lines:\n" + tail;
    }
}
