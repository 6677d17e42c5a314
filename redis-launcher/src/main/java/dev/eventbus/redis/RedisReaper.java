package dev.eventbus.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Makes sure no {@code redis-server} outlives the JVM: a shutdown hook kills every tracked process
 * and deletes the temporary data directories {@link RedisServer} created. Thread-safe.
 */
final class RedisReaper {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();
    private static final Set<Path> OWNED_DIRS = ConcurrentHashMap.newKeySet();
    /** First used while the JVM ends (a signal during start-up): no hook would reap, so track kills. */
    private static final boolean JVM_ENDING;

    static {
        boolean ending = false;
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(RedisReaper::reapAll, "eventbus-redis-reaper"));
        } catch (IllegalStateException shuttingDown) {
            ending = true;
        }
        JVM_ENDING = ending;
    }

    private RedisReaper() {}

    static void track(Process process) {
        if (JVM_ENDING) {
            process.destroyForcibly();
            return;
        }
        RUNNING.add(process);
    }

    static void untrack(Process process) {
        RUNNING.remove(process);
    }

    /** A temp dir to delete at exit; kept until then so that restart() and post-mortems find it. */
    static void ownDir(Path dir) {
        OWNED_DIRS.add(dir);
    }

    private static void reapAll() {
        for (Process process : RUNNING) {
            // SIGKILL also ends a paused process, and the JVM is going away: no grace period.
            process.destroyForcibly();
        }
        for (Path dir : OWNED_DIRS) {
            deleteRecursively(dir);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Best effort at JVM exit: a leftover temp dir is harmless.
        }
    }
}
