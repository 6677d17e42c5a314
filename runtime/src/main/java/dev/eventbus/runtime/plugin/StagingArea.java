package dev.eventbus.runtime.plugin;

import dev.eventbus.runtime.config.InvalidConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where plugin JARs are loaded from: a private copy of each, named after its checksum. Loading the
 * copy means a JAR being written into the plugins directory is never read half-way, and the
 * original can be replaced or deleted while its plugin runs (no lock, no "file in use").
 *
 * <p>A temporary staging directory holds a lock file its process keeps locked ({@link FileLock})
 * until it ends, however it ends; the operating system lets go of the lock of a killed process. So
 * the directories a killed runtime left behind are provably unused (their lock can be taken) and
 * the next start deletes them. A directory without a lock file (made by an older version) cannot
 * be proven unused and stays.
 *
 * <p>Thread-safe.
 */
final class StagingArea {

    private static final Logger LOG = LoggerFactory.getLogger(StagingArea.class);
    static final String TEMPORARY_PREFIX = "eventbus-plugins-";
    static final String LOCK_FILE = "owner.lock";
    private static final int ATTEMPTS = 5;

    /** The locks of this process's temporary directories: reachable, so never released by a collected channel. */
    private static final Map<Path, FileChannel> HELD = new ConcurrentHashMap<>();

    private StagingArea() {}

    static Path create(Optional<Path> configured) {
        return create(configured, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** @param temporaryParent where a temporary staging directory goes when none is configured */
    static Path create(Optional<Path> configured, Path temporaryParent) {
        if (configured.isPresent()) {
            try {
                return Files.createDirectories(configured.get());
            } catch (IOException e) {
                // The operator's directory: a configuration error naming the key, the path and why
                // (it was "cannot create the plugin staging directory" alone, found from outside).
                throw new InvalidConfigException("eventbus.plugin-host.staging-dir: cannot create the plugin staging "
                        + "directory " + configured.get() + " (" + e + ")");
            }
        }
        try {
            deleteAbandoned(temporaryParent);
            for (int i = 0; i < ATTEMPTS; i++) {
                Path dir = Files.createTempDirectory(temporaryParent, TEMPORARY_PREFIX);
                if (lock(dir)) {
                    return dir;
                }
            }
            throw new IOException("another process deleted each new staging directory in " + temporaryParent
                    + " before it was locked, " + ATTEMPTS + " times");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the plugin staging directory", e);
        }
    }

    /**
     * Takes the lock of a new directory. False when another process's {@link #deleteAbandoned} took
     * it first (between the creation and the lock) and deleted the directory: then try a new one.
     */
    private static boolean lock(Path dir) throws IOException {
        Path lockFile = dir.resolve(LOCK_FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return false; // the directory is gone already
        }
        FileLock lock = channel.tryLock();
        if (lock == null || !Files.exists(lockFile)) {
            channel.close();
            return false;
        }
        HELD.put(dir, channel);
        return true;
    }

    /** Deletes the temporary staging directories whose owner has ended (their lock can be taken). */
    static void deleteAbandoned(Path parent) {
        try (Stream<Path> dirs = Files.list(parent)) {
            dirs.filter(d -> d.getFileName().toString().startsWith(TEMPORARY_PREFIX) && Files.isDirectory(d))
                    .forEach(StagingArea::deleteIfAbandoned);
        } catch (IOException e) {
            LOG.warn("cannot look for abandoned plugin staging directories in {}: {}", parent, e.toString());
        }
    }

    private static void deleteIfAbandoned(Path dir) {
        Path lockFile = dir.resolve(LOCK_FILE);
        if (HELD.containsKey(dir) || !Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock()) {
            if (lock == null) {
                return; // its runtime is alive
            }
            deleteTree(dir); // while holding the lock, so its owner-to-be sees it taken or the file gone
            LOG.info(
                    "deleted plugin staging directory {} left behind by a runtime that ended without cleaning up", dir);
        } catch (OverlappingFileLockException e) {
            // Held by another runtime in this JVM.
        } catch (IOException e) {
            LOG.warn("cannot delete the abandoned plugin staging directory {}: {}", dir, e.toString());
        }
    }

    /**
     * Copies the JAR and checksums the copy (so the checksum is of exactly what gets loaded). Each
     * copy has a name of its own, even of the same content: a reload of an unchanged JAR, or the
     * check before it, must not replace or delete the copy the running version was loaded from
     * (which a failed reload restores from).
     */
    static StagedJar stage(Path staging, Path jar) throws IOException {
        Path tmp = Files.createTempFile(staging, "incoming-", ".jar");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        String sha = sha256(tmp);
        String unique =
                tmp.getFileName().toString().replaceFirst("^incoming-", "").replaceFirst("\\.jar$", "");
        String name = jar.getFileName().toString().replaceFirst("\\.jar$", "") + "-" + sha.substring(0, 16) + "-"
                + unique + ".jar";
        Path target = staging.resolve(name);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        return new StagedJar(target, sha);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of()
                    .formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    static void delete(Path staged) {
        try {
            Files.deleteIfExists(staged);
        } catch (IOException e) {
            // A copy left behind wastes disk, nothing else; the next run starts clean.
        }
    }

    static void deleteIfTemporary(Path staging, boolean temporary) {
        if (!temporary) {
            return;
        }
        try {
            deleteTree(staging);
        } catch (IOException e) {
            // As above.
        }
        FileChannel lock = HELD.remove(staging);
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException e) {
                // The process ending lets go of it anyway.
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(StagingArea::delete);
        }
    }
}
