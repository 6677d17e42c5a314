package dev.eventbus.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code redis-cli} beside a {@code redis-server}, for what only it does well ({@code --cluster
 * create}). Found as {@value #ENV}, else beside the server binary, else on the PATH; the embedded
 * binary comes without one. Immutable and thread-safe.
 *
 * @param path the executable
 */
record RedisCli(Path path) {

    static final String ENV = "EVENTBUS_REDIS_CLI";

    /**
     * Finds the {@code redis-cli} to use with a server binary.
     *
     * @throws IllegalStateException when there is none
     */
    static RedisCli find(RedisBinary server) {
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return new RedisCli(Path.of(fromEnv.strip()));
        }
        // Not resolved through links: Debian's redis-server links to redis-check-rdb, beside redis-cli.
        Path sibling = server.path().resolveSibling("redis-cli");
        if (Files.isExecutable(sibling)) {
            return new RedisCli(sibling);
        }
        String pathVar = System.getenv("PATH");
        if (pathVar != null) {
            for (String dir : pathVar.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isBlank() ? "." : dir, "redis-cli");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return new RedisCli(candidate);
                }
            }
        }
        throw new IllegalStateException("no redis-cli: not beside " + server.path() + ", not on the PATH and " + ENV
                + " unset; a Redis Cluster is created with redis-cli --cluster create");
    }

    /**
     * Runs {@code redis-cli} with the arguments and returns its output.
     *
     * @throws IllegalStateException when it fails, with its output
     */
    String run(Duration timeout, List<String> args) {
        List<String> command = new ArrayList<>(List.of(path.toString()));
        command.addAll(args);
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String out;
            try (InputStream in = process.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        String.join(" ", command) + " did not end within " + timeout + ":\n" + out);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        String.join(" ", command) + " exited with code " + process.exitValue() + ":\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + path + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + path, e);
        }
    }
}
