package dev.eventbus.redis;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code redis-server} executable, where it came from and its version.
 *
 * <p>Immutable. The default binary and the extracted embedded one are resolved once per JVM;
 * the static methods are thread-safe.
 *
 * @param path the executable
 * @param source where it was found, for a log line
 * @param version the version from {@code --version}, or {@code unknown}
 */
record RedisBinary(Path path, String source, String version) {

    static final String ENV = "EVENTBUS_REDIS_SERVER";

    /** Shipped as classpath resources by {@code com.github.codemonstur:embedded-redis:1.4.3}. */
    private static final String LINUX_AMD64 = "redis-server-6.2.6-v5-linux-amd64";

    private static final String LINUX_ARM64 = "redis-server-6.2.7-linux-arm64";
    private static final String LINUX_386 = "redis-server-6.2.7-linux-386";
    private static final String DARWIN_AMD64 = "redis-server-6.2.6-v5-darwin-amd64";
    private static final String DARWIN_ARM64 = "redis-server-6.2.6-v5-darwin-arm64";

    private static final Pattern VERSION = Pattern.compile("v=(\\d+(?:\\.\\d+)*)");

    private static RedisBinary resolved;
    private static RedisBinary embedded;

    /** The major version, or 0 when unknown (treated as too old for newer options). */
    int major() {
        Matcher m = Pattern.compile("^(\\d+)").matcher(version);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /**
     * The binary to use when the caller named none: {@value #ENV}, else {@code redis-server} on
     * the PATH, else the embedded one.
     */
    static synchronized RedisBinary resolve() {
        if (resolved == null) {
            resolved = find();
        }
        return resolved;
    }

    private static RedisBinary find() {
        String fromEnv = System.getenv(ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path path = Path.of(fromEnv.strip());
            if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
                throw new IllegalStateException(ENV + "=" + fromEnv + " is not an executable file");
            }
            return probe(path, ENV + "=" + path);
        }
        String pathVar = System.getenv("PATH");
        if (pathVar != null) {
            for (String dir : pathVar.split(File.pathSeparator)) {
                if (dir.isBlank()) {
                    continue;
                }
                Path candidate = Path.of(dir, "redis-server");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return probe(candidate, "PATH " + candidate);
                }
            }
        }
        return embedded();
    }

    /** The binary the embedded-redis artifact ships for this platform, extracted to a temp file. */
    static synchronized RedisBinary embedded() {
        if (embedded == null) {
            String resource = embeddedResourceName(System.getProperty("os.name"), System.getProperty("os.arch"));
            Path file = extract(resource);
            embedded = probe(file, "embedded-redis resource " + resource + " (extracted to " + file + ")");
        }
        return embedded;
    }

    static String embeddedResourceName(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean x64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        boolean x86 = arch.equals("x86") || arch.equals("i386") || arch.equals("i686");
        if (os.contains("linux")) {
            if (x64) return LINUX_AMD64;
            if (arm64) return LINUX_ARM64;
            if (x86) return LINUX_386;
        } else if (os.contains("mac") || os.contains("darwin")) {
            if (x64) return DARWIN_AMD64;
            if (arm64) return DARWIN_ARM64;
        }
        // Windows gets no fallback: the artifact's Windows build is Redis 5, too old for XAUTOCLAIM.
        throw new IllegalStateException("no embedded redis-server for " + osName + "/" + osArch
                + "; install redis-server on the PATH or set " + ENV);
    }

    private static Path extract(String resource) {
        try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server found: not on the PATH, " + ENV
                        + " unset, and resource " + resource + " missing (add com.github.codemonstur:"
                        + "embedded-redis:1.4.3 to the class path)");
            }
            Path file = Files.createTempFile("eventbus-" + resource + "-", "");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + resource, e);
        }
    }

    /** Runs {@code --version}: Redis 6.2 refuses options it does not know, so we must ask first. */
    static RedisBinary probe(Path path, String source) {
        try {
            Process p = new ProcessBuilder(path.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Matcher m = VERSION.matcher(out);
            return new RedisBinary(path, source, m.find() ? m.group(1) : "unknown");
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + path + " (" + source + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while probing " + path, e);
        }
    }
}
