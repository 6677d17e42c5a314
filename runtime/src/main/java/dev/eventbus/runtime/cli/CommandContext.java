package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.ops.AuditLog;
import dev.eventbus.runtime.ops.DeadLetters;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.HeartbeatInstances;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.ops.PluginCatalog;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.ops.TimeOrId;
import dev.eventbus.runtime.plugin.PluginJarCheck;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** What an operator command works with: the loaded config and Redis (connected on first use). */
final class CommandContext implements AutoCloseable {

    final RuntimeConfig config;
    final FailFastRedis redis;
    final Clock clock = Clock.systemDefaultZone();

    private CommandContext(RuntimeConfig config) {
        this.config = config;
        this.redis = new FailFastRedis(config.redis());
    }

    static CommandContext open(ConfigOptions options) {
        return new CommandContext(options.loadForOperator());
    }

    static CommandContext of(RuntimeConfig config) {
        return new CommandContext(config);
    }

    StatusReader status() {
        return new StatusReader(redis, config.consumer().deadLetterPrefix(), clock, instances());
    }

    /** The instances' heartbeats; the idle rule while nobody heartbeats. */
    HeartbeatInstances instances() {
        return HeartbeatInstances.of(
                redis, config.ownership().leaseTtl(), config.recovery().deleteIdleConsumersAfter(), Set.of());
    }

    DeadLetters deadLetters() {
        return new DeadLetters(redis, config.consumer().deadLetterPrefix());
    }

    AuditLog audit() {
        return new AuditLog(config.operations().admin().auditLog(), clock);
    }

    /** Parses a time or id option; a bad value is a usage error (exit 2). */
    TimeOrId timeOrId(CommandSpec spec, String option, String value) {
        if (value == null) {
            return null;
        }
        try {
            return TimeOrId.parse(value, clock);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }

    /** A range whose start lies after its end selects nothing: a usage error (exit 2), not an empty answer. */
    static void requireOrder(CommandSpec spec, String fromOption, TimeOrId from, String toOption, TimeOrId to) {
        if (from != null && to != null && from.isAfter(to)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    fromOption + " " + from + " is after " + toOption + " " + to + ": the range is empty");
        }
    }

    /** A blank stream name selects nothing on purpose: a usage error (exit 2), not a question for Redis. */
    static void requireStreamName(CommandSpec spec, String option, String stream) {
        if (stream != null && stream.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must name a stream");
        }
    }

    /** A blank handler name names no handler: a usage error (exit 2), not a question for Redis. */
    static void requireHandlerName(CommandSpec spec, String option, String handler) {
        if (handler != null && handler.isBlank()) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " must name a handler");
        }
    }

    /**
     * The plugins' build descriptors read from the plugins directory, with the refusals the runtime's
     * admission checks that run no plugin code would record under this configuration (the allow-list,
     * a bundled gRPC, config keys, handler classes that cannot be loaded: see {@link
     * PluginJarCheck#findings}). A directory that is not there, or
     * cannot be listed, is a usage or configuration error (exit 2) naming it and where it is set.
     */
    static PluginCatalog pluginCatalog(CommandSpec spec, RuntimeConfig config) {
        Path dir = config.pluginsDir();
        requirePluginsDir(spec, dir);
        try {
            return PluginCatalog.read(dir, jar -> PluginJarCheck.findings(jar, config, Versions.pluginApi()));
        } catch (UncheckedIOException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "cannot list the plugins directory " + dir + ": "
                            + (e.getCause() instanceof AccessDeniedException ? "permission denied" : reason(e)));
        }
    }

    /** @see #pluginCatalog */
    private static void requirePluginsDir(CommandSpec spec, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), notAPluginsDir(dir) + " " + PLUGINS_DIR_SET_BY);
        }
    }

    /** Where the plugins directory is set, for messages about it. */
    static final String PLUGINS_DIR_SET_BY = "(set by --plugins-dir, EVENTBUS_PLUGINS_DIR or eventbus.plugins-dir)";

    /** "the plugins directory DIR does not exist" (or "is not a directory"), for a dir that is not one. */
    static String notAPluginsDir(Path dir) {
        return "the plugins directory " + dir + (Files.exists(dir) ? " is not a directory" : " does not exist");
    }

    private static String reason(UncheckedIOException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return cause.getMessage() == null ? "an I/O error" : cause.getMessage();
    }

    /**
     * A {@code --limit} is 1 or more, or left out (null): 0 once meant "no limit", against the help's
     * "At most N", and a {@code dlq redrive --limit 0 --dry-run} reported every dead letter (found
     * from outside). Below 1 is a usage error (exit 2), checked before anything runs.
     *
     * @param leftOut what leaving it out gives, for the message ("no limit")
     */
    static void requireLimit(CommandSpec spec, String option, Long value, String leftOut) {
        if (value != null && value < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), option + " " + value + ": must be at least 1; leave it out for " + leftOut);
        }
    }

    /**
     * A rate below zero (or not a number) is a usage error (exit 2), checked before anything runs:
     * {@code --rate -5} used to replay at full speed. Zero keeps its meaning of "no limit".
     */
    static void requireNotNegative(CommandSpec spec, String option, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    option + " " + (value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value))
                            + ": must be 0 (no limit) or more");
        }
    }

    /**
     * Fails (exit 1) when no handler of that name is known to Redis: no consumer group of that name
     * on any stream and no dead letters. A typo then says so instead of an empty answer.
     */
    void requireHandler(String handler) {
        StatusReader status = status();
        if (status.deadLetters(handler) == 0 && status.streamsOf(handler).isEmpty()) {
            throw new OpsException("no handler '" + handler + "' at " + redis.where() + ": no consumer group of that "
                    + "name on any stream and no dead letters in "
                    + deadLetters().streamOf(handler));
        }
    }

    @Override
    public void close() {
        redis.close();
    }
}
