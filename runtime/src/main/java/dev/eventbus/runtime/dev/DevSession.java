package dev.eventbus.runtime.dev;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * A running {@code eventbus dev}, as it records itself in its installation for the operator
 * commands: {@code bin/eventbus status} or {@code dlq list} in another terminal must read dev's
 * Redis (a free port chosen at start), not whatever answers on the default 6379.
 *
 * <p>The record is a small properties file under {@code run/} of the installation. It is written
 * once dev's Redis answers and removed when dev ends; a record left by a dev that was killed
 * ({@code kill -9}) names a process that is gone and is ignored.
 *
 * @param pid the dev process
 * @param redisUri the Redis dev uses
 */
public record DevSession(long pid, String redisUri) {

    /** @return where the installation at {@code home} keeps the record */
    public static Path file(Path home) {
        return home.resolve("run").resolve("dev.properties");
    }

    /** Records this process as the running dev of the installation at {@code home}. */
    public static DevSession record(Path home, String redisUri) {
        DevSession session = new DevSession(ProcessHandle.current().pid(), redisUri);
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(session.pid));
        p.setProperty("redis.uri", redisUri);
        Path file = file(home);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "dev", ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "eventbus dev, running; removed when it ends");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the dev session in " + file, e);
        }
        return session;
    }

    /**
     * @return the dev running from the installation at {@code home}, if its record names a live
     *     process; empty when there is none, the process is gone, or the record cannot be read
     */
    public static Optional<DevSession> running(Path home) {
        Path file = file(home);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
            long pid = Long.parseLong(p.getProperty("pid", "-1"));
            String uri = p.getProperty("redis.uri");
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive && uri != null ? Optional.of(new DevSession(pid, uri)) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Removes the record, if it is this process's (a later dev may have replaced it). */
    public void remove(Path home) {
        if (running(home).filter(this::equals).isPresent()) {
            try {
                Files.deleteIfExists(file(home));
            } catch (IOException e) {
                // A stale record names a dead process and is ignored by running().
            }
        }
    }
}
