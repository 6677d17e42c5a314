package dev.eventbus.runtime.dev;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sample service run as its own JVM, as it would run in production: its output is echoed with a
 * prefix, and one line of it can be awaited (e.g. the line announcing its port).
 *
 * <p>The child ends with its parent: a shutdown hook stops it when the parent JVM ends by a signal
 * ({@code SIGTERM}, Ctrl-C), which runs no {@code finally} block; without it the service would be
 * left running, orphaned, on its port (see {@link #stopAtExit} for an owner that orders the stop).
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final CompletableFuture<Matcher> awaited = new CompletableFuture<>();
    private final Thread stopOnExit;
    private final Thread echo;

    private ChildJvm(Process process, String prefix, Pattern await, PrintStream out) {
        this.process = process;
        this.stopOnExit = new Thread(this::stop, "stop-" + prefix);
        try {
            Runtime.getRuntime().addShutdownHook(stopOnExit);
        } catch (IllegalStateException shuttingDown) {
            // Started while the JVM ends (a signal during dev's start-up): no hook would stop it.
            stop();
            throw shuttingDown;
        }
        this.echo = Thread.ofPlatform().daemon(true).name("echo-" + prefix).start(() -> echo(prefix, await, out));
    }

    /** Starts {@code mainClass} with every JAR of {@code libDir} on the class path. */
    public static ChildJvm start(
            Path libDir, String mainClass, List<String> args, String prefix, Pattern await, PrintStream out)
            throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                libDir.resolve("*").toString(),
                mainClass));
        command.addAll(args);
        Process p = new ProcessBuilder(dev.eventbus.redis.OwnSession.command(command))
                .redirectErrorStream(true)
                .start();
        return new ChildJvm(p, prefix, await, out);
    }

    private void echo(String prefix, Pattern await, PrintStream out) {
        try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                out.println("  [" + prefix + "] " + line);
                if (await != null && !awaited.isDone()) {
                    Matcher m = await.matcher(line);
                    if (m.find()) {
                        awaited.complete(m);
                    }
                }
            }
        } catch (IOException e) {
            // The child exited; nothing more to echo.
        }
        awaited.completeExceptionally(new IOException(prefix + " exited with code " + exitCode()));
    }

    /** Waits for the awaited line; fails when the child exits first. */
    public Matcher awaitLine(Duration timeout) throws Exception {
        return awaited.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private String exitCode() {
        try {
            return String.valueOf(process.waitFor(2, TimeUnit.SECONDS) ? process.exitValue() : "(still running)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }

    /**
     * Whether the child is stopped by its own shutdown hook when the parent JVM ends. JVM shutdown
     * hooks run concurrently, so an owner that must stop something first (the runtime, whose
     * in-flight calls need this service) turns it off and stops the child in its own hook, then.
     */
    public void stopAtExit(boolean stop) {
        try {
            if (stop) {
                Runtime.getRuntime().addShutdownHook(stopOnExit);
            } else {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            }
        } catch (IllegalArgumentException | IllegalStateException alreadyOrShuttingDown) {
            // Already so, or the JVM is ending and the hooks that run are fixed.
        }
    }

    /** @return the child's process id */
    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs (or ran) stop() itself.
        }
        stop();
        try {
            echo.join(Duration.ofSeconds(2)); // its last lines (e.g. that it stopped) are printed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, then SIGKILL after 5 s. */
    private void stop() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
