package dev.eventbus.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.dev.DevSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options shared by the commands that load the runtime configuration. */
final class ConfigOptions {

    /** The command this mixin belongs to: its stderr, so that tests and embedders capture what it says. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description = "HOCON config file (env: EVENTBUS_CONFIG; bin/eventbus sets it to conf/application.conf).")
    Path config = System.getenv("EVENTBUS_CONFIG") == null ? null : Path.of(System.getenv("EVENTBUS_CONFIG"));

    @Option(names = "--redis", paramLabel = "URI", description = "Redis URI; overrides the config file.")
    String redis;

    @Option(
            names = "--plugins-dir",
            paramLabel = "DIR",
            description = "Plugins directory; overrides the config file. A relative DIR is relative to the current "
                    + "directory, as the shell completes it (eventbus.plugins-dir in the file: to the installation).")
    Path pluginsDir;

    Config overrides() {
        Config c = ConfigFactory.empty();
        if (redis != null) {
            c = c.withValue("eventbus.redis.uri", ConfigValueFactory.fromAnyRef(redis, "the --redis option"));
        }
        if (pluginsDir != null) {
            if (pluginsDir.toString().isBlank() && command != null) {
                // Path.of("") would quietly stand for the installation directory.
                throw new picocli.CommandLine.ParameterException(
                        command.commandLine(), "--plugins-dir must name a directory");
            }
            // Typed in a shell, a relative path means the current directory (as for --config), not the
            // installation that a relative eventbus.plugins-dir of the config file is read against.
            c = c.withValue(
                    "eventbus.plugins-dir",
                    ConfigValueFactory.fromAnyRef(
                            pluginsDir.toAbsolutePath().normalize().toString(), "the --plugins-dir option"));
        }
        return c;
    }

    /**
     * @return whether the operator named a Redis: {@code --redis}, {@code EVENTBUS_REDIS_URI}, or
     *     {@code eventbus.redis.uri} in the config file; otherwise the reference default stands
     */
    boolean redisChosen() {
        if (redis != null || System.getenv("EVENTBUS_REDIS_URI") != null) {
            return true;
        }
        return config != null
                && Files.isRegularFile(config)
                && ConfigFactory.parseFile(config.toFile()).hasPath("eventbus.redis.uri");
    }

    RuntimeConfig load() {
        return ConfigLoader.load(Optional.ofNullable(config), overrides());
    }

    /**
     * The config of an operator command: when it names no Redis and an {@code eventbus dev} runs
     * from this installation, dev's Redis (on a port of its choosing), said on stderr. Without this,
     * {@code dlq list} beside a running dev answered "0 dead letters" from whatever ran on 6379.
     */
    RuntimeConfig loadForOperator() {
        if (!redisChosen()) {
            Path home = Path.of(System.getenv().getOrDefault("EVENTBUS_HOME", "."));
            Optional<DevSession> dev = DevSession.running(home);
            if (dev.isPresent()) {
                java.io.PrintWriter err = command.commandLine().getErr();
                err.println("eventbus: using the Redis of the running eventbus dev (pid "
                        + dev.get().pid() + ") at "
                        + RedisSettings.redact(dev.get().redisUri()) + "; --redis chooses another");
                err.flush();
                return load(ConfigFactory.parseMap(
                        Map.of("eventbus.redis.uri", dev.get().redisUri())));
            }
            RuntimeConfig defaults = load();
            // Said because the default may be another Redis than the operator means (one on 6379).
            java.io.PrintWriter err = command.commandLine().getErr();
            err.println("eventbus: using the default Redis " + defaults.redis().redactedUri()
                    + ": no eventbus dev runs from " + home.toAbsolutePath().normalize()
                    + " and none is configured (--redis, EVENTBUS_REDIS_URI, or eventbus.redis.uri in "
                    + (config == null ? "a config file (none given)" : config.toString()) + ")");
            err.flush();
            return defaults;
        }
        return load();
    }

    RuntimeConfig load(Config extra) {
        return ConfigLoader.load(Optional.ofNullable(config), overrides().withFallback(extra));
    }
}
