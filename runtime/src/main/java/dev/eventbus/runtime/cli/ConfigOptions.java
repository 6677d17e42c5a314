package dev.eventbus.runtime.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options shared by the commands that load the runtime configuration. */
final class ConfigOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "HOCON config file (env: EVENTBUS_CONFIG; bin/eventbus sets it to conf/application.conf).")
    Path config = System.getenv("EVENTBUS_CONFIG") == null ? null : Path.of(System.getenv("EVENTBUS_CONFIG"));

    @Option(names = "--redis", paramLabel = "URI", description = "Redis URI; overrides the config file.")
    String redis;

    @Option(names = "--plugins-dir", paramLabel = "DIR", description = "Plugins directory; overrides the config file.")
    Path pluginsDir;

    Config overrides() {
        Config c = ConfigFactory.empty();
        if (redis != null) {
            c = c.withValue("eventbus.redis.uri", ConfigValueFactory.fromAnyRef(redis));
        }
        if (pluginsDir != null) {
            c = c.withValue("eventbus.plugins-dir", ConfigValueFactory.fromAnyRef(pluginsDir.toString()));
        }
        return c;
    }

    RuntimeConfig load() {
        return ConfigLoader.load(Optional.ofNullable(config), overrides());
    }

    RuntimeConfig load(Config extra) {
        return ConfigLoader.load(Optional.ofNullable(config), overrides().withFallback(extra));
    }
}
