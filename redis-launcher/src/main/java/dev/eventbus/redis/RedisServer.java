package dev.eventbus.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;

/**
 * A {@code redis-server} child process that the caller owns, listening on 127.0.0.1.
 *
 * <p>Lifecycle: {@link #start()} returns once the server answers PING; {@link #stop()} (or
 * {@link #close()}) ends it. Between the two, fault tests may {@link #kill()}, {@link #restart()},
 * {@link #pause()} and {@link #resume()} it; the port and data directory never change. A JVM
 * shutdown hook kills every server still running and deletes the temporary data directories this
 * class created, so no {@code redis-server} outlives the JVM.
 *
 * <p>The binary is, in order: {@link Options#executable()}, the file named by the environment
 * variable {@code EVENTBUS_REDIS_SERVER}, {@code redis-server} on the PATH, or the binary that
 * {@code com.github.codemonstur:embedded-redis} ships as a resource (Redis 6.2), extracted to a
 * temp file. It must be the server itself (or a script that {@code exec}s it), since signals go
 * to the child's pid. The server never snapshots ({@code --save ""}); it writes its output to
 * {@code redis.log} in the data directory.
 *
 * <p>Thread-safe: every method may be called from any thread. No JUnit dependency.
 */
public final class RedisServer implements AutoCloseable {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 3;
    private static final String LOG_FILE = "redis.log";

    /**
     * How to start a server. Immutable; change it with the {@code with*} methods.
     *
     * @param port the port; 0 picks a free one
     * @param appendOnly {@code true} for {@code --appendonly yes --appendfsync always}, so that
     *     every acknowledged write survives {@link #kill()}
     * @param dataDir the working directory (AOF files, log); {@code null} for a fresh temp dir,
     *     deleted when the JVM exits
     * @param extraArgs further command-line arguments, appended last so they override ours
     * @param executable the {@code redis-server} to run; {@code null} to resolve one
     * @param configFile a configuration file given before every other argument (a sentinel needs
     *     one it can rewrite); {@code null} for none
     * @param tls the files to speak only TLS with, on {@code port} ({@code --port 0}); {@code null}
     *     for plain text
     */
    public record Options(
            int port,
            boolean appendOnly,
            Path dataDir,
            List<String> extraArgs,
            Path executable,
            Path configFile,
            ServerTls tls) {

        /** Validates and copies. */
        public Options {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            extraArgs = List.copyOf(extraArgs);
        }

        /** A free port, no AOF, a temp dir, no extra arguments, the resolved binary. */
        public static Options defaults() {
            return new Options(0, false, null, List.of(), null, null, null);
        }

        public Options withPort(int port) {
            return new Options(port, appendOnly, dataDir, extraArgs, executable, configFile, tls);
        }

        public Options withAppendOnly(boolean appendOnly) {
            return new Options(port, appendOnly, dataDir, extraArgs, executable, configFile, tls);
        }

        public Options withDataDir(Path dataDir) {
            return new Options(port, appendOnly, dataDir, extraArgs, executable, configFile, tls);
        }

        public Options withExtraArgs(String... extraArgs) {
            return withExtraArgs(List.of(extraArgs));
        }

        public Options withExtraArgs(List<String> extraArgs) {
            return new Options(port, appendOnly, dataDir, extraArgs, executable, configFile, tls);
        }

        public Options withExecutable(Path executable) {
            return new Options(port, appendOnly, dataDir, extraArgs, executable, configFile, tls);
        }

        public Options withConfigFile(Path configFile) {
            return new Options(port, appendOnly, dataDir, extraArgs, executable, configFile, tls);
        }

        public Options withTls(ServerTls tls) {
            return new Options(port, appendOnly, dataDir, extraArgs, executable, configFile, tls);
        }
    }

    private final RedisBinary binary;
    private final Options options;
    private final Path dataDir;
    private final int port;
    private volatile Process process;
    private boolean paused;
    private boolean reapedAtExit = true;

    private RedisServer(RedisBinary binary, Options options, Path dataDir, int port) {
        this.binary = binary;
        this.options = options;
        this.dataDir = dataDir;
        this.port = port;
    }

    /**
     * Starts a server with {@link Options#defaults()}.
     *
     * @return the running server
     * @throws IllegalStateException when no binary is found or it does not answer within 10 s
     */
    public static RedisServer start() {
        return start(Options.defaults());
    }

    /**
     * Starts a server.
     *
     * @param options how
     * @return the running server, answering PING
     * @throws IllegalStateException when no binary is found or it does not answer within 10 s; the
     *     message holds the tail of the server's log
     */
    public static RedisServer start(Options options) {
        Objects.requireNonNull(options, "options");
        RedisBinary binary = options.executable() == null
                ? RedisBinary.resolve()
                : RedisBinary.probe(options.executable(), "Options.executable " + options.executable());
        Path dataDir = dataDir(options);
        if (options.port() != 0) {
            RedisServer server = new RedisServer(binary, options, dataDir, options.port());
            try {
                server.launch();
            } catch (PortTakenException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
            return server;
        }
        // A picked port may be taken before redis-server binds it (another test JVM): pick again.
        PortTakenException last = null;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            RedisServer server = new RedisServer(binary, options, dataDir, freePort());
            try {
                server.launch();
                return server;
            } catch (PortTakenException e) {
                last = e;
            }
        }
        throw new IllegalStateException(last.getMessage(), last);
    }

    /** @return the TCP port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** @return {@code redis://127.0.0.1:<port>}, {@code rediss://} when it speaks only TLS */
    public String uri() {
        return (options.tls() == null ? "redis" : "rediss") + "://127.0.0.1:" + port;
    }

    /** The launcher's sockets to this server: TLS trusting its CA, or null for plain text. */
    SSLSocketFactory probeSockets() {
        return options.tls() == null ? null : options.tls().probeSockets();
    }

    /**
     * @return the pid of the current process (a new one after {@link #restart()})
     * @throws IllegalStateException when the server never started
     */
    public synchronized long pid() {
        return process.pid();
    }

    /** @return which binary runs, with its version, for a log line */
    public String source() {
        return binary.source() + " (Redis " + binary.version() + ")";
    }

    /** @return the Redis version reported by {@code redis-server --version}, or {@code unknown} */
    public String version() {
        return binary.version();
    }

    /** @return the working directory: AOF files and {@code redis.log} */
    public Path dataDir() {
        return dataDir;
    }

    /** @return the file the server's output goes to, appended to across restarts */
    public Path logFile() {
        return dataDir.resolve(LOG_FILE);
    }

    /** @return whether the process is alive (a paused process is alive) */
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Whether the JVM's exit kills this server at once (the default), or leaves stopping it to the
     * caller's own shutdown hook. The JVM runs every shutdown hook at the same time, so the kill
     * cuts off clients that still need this server while they stop (a runtime flushing its
     * acknowledgements). With {@code false} the caller must stop it on every way out, a halted
     * shutdown included.
     */
    public synchronized void reapAtExit(boolean reap) {
        reapedAtExit = reap;
        if (process != null) {
            if (reap) {
                RedisReaper.track(process);
            } else {
                RedisReaper.untrack(process);
            }
        }
    }

    /** Stops the server: SIGTERM, then SIGKILL if it has not exited within 10 s. Idempotent. */
    public synchronized void stop() {
        if (isRunning()) {
            if (paused) {
                // A stopped process does not act on SIGTERM until continued.
                resume();
            }
            process.destroy();
            awaitExit(STOP_TIMEOUT);
            if (process.isAlive()) {
                process.destroyForcibly();
                awaitExit(STOP_TIMEOUT);
            }
        }
        forget();
    }

    /** Kills the server with SIGKILL, as a crash would: no shutdown work, no final fsync. */
    public synchronized void kill() {
        if (isRunning()) {
            process.destroyForcibly();
            awaitExit(STOP_TIMEOUT);
        }
        forget();
    }

    /**
     * Starts the server again on the same port and data directory (stopping it first if it runs),
     * for example after {@link #kill()} to check what the AOF kept.
     *
     * @throws IllegalStateException when it does not answer within 10 s, e.g. the port was taken
     */
    public synchronized void restart() {
        stop();
        try {
            launch();
        } catch (PortTakenException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Freezes the process (SIGSTOP): connections stay open, nothing is answered. */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /** @return whether the process is {@link #pause() frozen}: alive, but it answers nothing */
    public synchronized boolean isPaused() {
        return isRunning() && paused;
    }

    /** Thaws a {@link #pause() paused} process (SIGCONT). */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "RedisServer[" + uri() + ", " + source() + "]";
    }

    private synchronized void launch() {
        Path log = logFile();
        long logStart = size(log);
        try {
            process = new ProcessBuilder(OwnSession.command(command()))
                    .directory(dataDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + source() + ": " + e.getMessage(), e);
        }
        if (reapedAtExit) {
            RedisReaper.track(process);
        }
        try {
            awaitReady(logStart);
        } catch (RuntimeException e) {
            process.destroyForcibly();
            awaitExit(STOP_TIMEOUT);
            forget();
            throw e;
        }
    }

    private void forget() {
        paused = false;
        if (process != null) {
            RedisReaper.untrack(process);
        }
    }

    private List<String> command() {
        List<String> cmd = new ArrayList<>(List.of(binary.path().toString()));
        if (options.configFile() != null) {
            // redis-server reads a configuration file only as its first argument.
            cmd.add(options.configFile().toString());
        }
        cmd.addAll(
                options.tls() == null
                        ? List.of("--port", Integer.toString(port))
                        : options.tls().serverArgs(port));
        cmd.addAll(List.of(
                "--bind", "127.0.0.1",
                "--protected-mode", "no",
                "--save", "",
                "--daemonize", "no",
                "--dir", dataDir.toString()));
        if (options.appendOnly()) {
            cmd.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        }
        if (binary.major() >= 7) {
            // DEBUG (SLEEP, OBJECT...) is off by default since 7 and the option is unknown to 6.2.
            cmd.addAll(List.of("--enable-debug-command", "local"));
        }
        cmd.addAll(options.extraArgs());
        return cmd;
    }

    private void awaitReady(long logStart) {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String tail = RedisProbe.logTail(logFile(), logStart, 20);
                String message = "redis-server (" + source() + ") exited with code " + process.exitValue()
                        + " before answering PING on port " + port + "; log " + logFile() + " ends with:\n" + tail;
                throw tail.contains("Address already in use")
                        ? new PortTakenException(message)
                        : new IllegalStateException(message);
            }
            if (RedisProbe.answersPing(port, probeSockets())) {
                if (!RedisProbe.isServedBy(port, probeSockets(), process.pid())) {
                    throw new PortTakenException("port " + port + " is answered by another process, not by"
                            + " redis-server pid " + process.pid());
                }
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException("redis-server (" + source() + ") did not answer PING on port " + port
                + " within " + STARTUP_TIMEOUT.toSeconds() + " s; log " + logFile() + " ends with:\n"
                + RedisProbe.logTail(logFile(), logStart, 20));
    }

    private void signal(String signal) {
        if (!isRunning()) {
            throw new IllegalStateException("redis-server on port " + port + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            String out;
            try (InputStream in = kill.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + signal, e);
        }
    }

    private void awaitExit(Duration timeout) {
        try {
            process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path dataDir(Options options) {
        try {
            if (options.dataDir() != null) {
                return Files.createDirectories(options.dataDir());
            }
            Path dir = Files.createTempDirectory("eventbus-redis-");
            RedisReaper.ownDir(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the Redis data directory", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port", e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server", e);
        }
    }

    /** The port was taken between picking it and binding it. */
    private static final class PortTakenException extends RuntimeException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
