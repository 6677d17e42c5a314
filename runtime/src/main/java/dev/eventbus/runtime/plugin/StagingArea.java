package dev.eventbus.runtime.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where plugin JARs are loaded from: a private copy of each, named after its checksum. Loading the
 * copy means a JAR being written into the plugins directory is never read half-way, and the
 * original can be replaced or deleted while its plugin runs (no lock, no "file in use").
 */
final class StagingArea {

    private StagingArea() {}

    static Path create(Optional<Path> configured) {
        try {
            if (configured.isPresent()) {
                return Files.createDirectories(configured.get());
            }
            return Files.createTempDirectory("eventbus-plugins-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the plugin staging directory", e);
        }
    }

    /** Copies the JAR and checksums the copy (so the checksum is of exactly what gets loaded). */
    static StagedJar stage(Path staging, Path jar) throws IOException {
        Path tmp = Files.createTempFile(staging, "incoming-", ".jar");
        Files.copy(jar, tmp, StandardCopyOption.REPLACE_EXISTING);
        String sha = sha256(tmp);
        String name = jar.getFileName().toString().replaceFirst("\\.jar$", "") + "-" + sha.substring(0, 16) + ".jar";
        Path target = staging.resolve(name);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        return new StagedJar(target, sha);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
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
        try (Stream<Path> files = Files.walk(staging)) {
            files.sorted(Comparator.reverseOrder()).forEach(StagingArea::delete);
        } catch (IOException e) {
            // As above.
        }
    }
}
