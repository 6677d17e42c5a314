package dev.eventbus.runtime.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether the places the runtime writes to on this machine can be made and written:
 * {@code plugin-host.staging-dir} (made by {@code run} at start) and {@code admin.audit-log}
 * (appended to by {@code dlq redrive}, {@code dlq discard}, {@code replay} and a plugin reload).
 * Told without touching anything: what exists must be a writable directory (a file for the audit
 * log), and what does not must have as its nearest existing ancestor a writable directory. Not
 * checked when the configuration is loaded, as the admin host is not ({@link AdminBinding}):
 * {@code status} and the other operator commands read the same file, maybe on another machine;
 * {@code config check} checks them, and {@code run} the staging directory before it makes it
 * (found from outside: {@code staging-dir = "/etc/passwd/x"} passed the check, and run ended with
 * "cannot create the plugin staging directory", naming neither key nor path).
 *
 * <p>Stateless and thread-safe.
 */
public final class LocalPaths {

    static final String STAGING_DIR = "eventbus.plugin-host.staging-dir";
    static final String AUDIT_LOG = "eventbus.admin.audit-log";

    private LocalPaths() {}

    /**
     * @throws InvalidConfigException listing the staging directory and the audit log when they
     *     cannot be made or written, each naming its key, value and where it was set
     */
    public static void require(RuntimeConfig config) {
        List<String> problems = new ArrayList<>();
        stagingDirProblem(config).ifPresent(problems::add);
        auditLogProblem(config).ifPresent(problems::add);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
    }

    /**
     * The staging directory alone, as {@code run} checks it before making it.
     *
     * @throws InvalidConfigException naming the key, value and where it was set
     */
    public static void requireStagingDir(RuntimeConfig config) {
        stagingDirProblem(config).ifPresent(p -> {
            throw new InvalidConfigException(p);
        });
    }

    private static Optional<String> stagingDirProblem(RuntimeConfig config) {
        Optional<Path> dir = config.pluginHost().stagingDir();
        return dir.flatMap(d -> Optional.ofNullable(directoryProblem(d)).map(p -> named(config, STAGING_DIR, d, p)));
    }

    private static Optional<String> auditLogProblem(RuntimeConfig config) {
        Path file = config.operations().admin().auditLog();
        return Optional.ofNullable(fileProblem(file)).map(p -> named(config, AUDIT_LOG, file, p));
    }

    private static String named(RuntimeConfig config, String key, Path path, String problem) {
        String where =
                config.source().hasPath(key) ? UnknownKeys.where(config.source().getValue(key)) : "default";
        return key + " = \"" + config.source().getString(key) + "\" (" + where + "): " + path + " " + problem;
    }

    /** @return why {@code dir} cannot be made or written to, or {@code null} when it can (as far as can be told) */
    static String directoryProblem(Path dir) {
        Path absolute = dir.toAbsolutePath();
        if (Files.exists(absolute)) {
            if (!Files.isDirectory(absolute)) {
                return "exists and is not a directory";
            }
            return Files.isWritable(absolute) ? null : "is a directory this process cannot write to";
        }
        return ancestorProblem(absolute);
    }

    /** @return why {@code file} cannot be made or appended to, or {@code null} when it can (as far as can be told) */
    static String fileProblem(Path file) {
        Path absolute = file.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return "is a directory, not a file";
        }
        if (Files.exists(absolute)) {
            return Files.isWritable(absolute) ? null : "is a file this process cannot write to";
        }
        return ancestorProblem(absolute);
    }

    /** Of a path that does not exist: its nearest existing ancestor must be a directory this process can write to. */
    private static String ancestorProblem(Path absolute) {
        Path ancestor = absolute.getParent();
        while (ancestor != null && !Files.exists(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor == null) {
            return "cannot be made: no part of it exists";
        }
        if (!Files.isDirectory(ancestor)) {
            return "cannot be made: " + ancestor + " is a file, not a directory";
        }
        if (!Files.isWritable(ancestor)) {
            return "cannot be made: " + ancestor + " is a directory this process cannot write to";
        }
        return null;
    }
}
