package dev.eventbus.runtime.cli;

import com.typesafe.config.ConfigRenderOptions;
import dev.eventbus.runtime.config.AdminBinding;
import dev.eventbus.runtime.config.AdminSettings;
import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.config.LocalPaths;
import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RuntimeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code eventbus config check|show}: validate a config file, or print the effective one. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Check or show the configuration.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class})
final class ConfigCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description =
                    "Validate the configuration, and each plugin JAR as the runtime would admit it: its config keys "
                            + "against its reference.conf, then its handlers created and their start hooks run with the "
                            + "configured subtree; exit 0 when valid, 2 when not. Every problem of the runtime's "
                            + "keys is listed in one run (a check that needs a value already listed as wrong is "
                            + "left out; a file that does not parse stops at its syntax error); the plugin JARs "
                            + "are checked once those keys are valid.")
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            RuntimeConfig config = options.load();
            adminListening(config);
            LocalPaths.require(config);
            int problems;
            try (ThrowawayHostLog quiet = ThrowawayHostLog.quiet()) {
                problems = PluginConfigCheck.check(
                        config,
                        options.config,
                        spec.commandLine().getOut(),
                        spec.commandLine().getErr());
            }
            if (problems > 0) {
                return 2;
            }
            spec.commandLine()
                    .getOut()
                    .printf(
                            "configuration valid: Redis %s, %d gRPC service(s), plugins from %s%n",
                            config.redis().redactedUri(), config.services().size(), config.pluginsDir());
            warnings(config, spec);
            pluginsDirWarning(config, spec);
            PluginConfigCheck.configuredForNone(config)
                    .forEach(w -> spec.commandLine().getOut().println("# WARNING: " + w));
            return 0;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Print the effective eventbus configuration (secrets redacted).")
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            RuntimeConfig config = options.load();
            com.typesafe.config.Config shown = config.source().getConfig("eventbus");
            for (String secret : java.util.List.of("admin.token", "admin.tls.key-password", "redis.tls.key-password")) {
                if (!shown.getString(secret).isEmpty()) {
                    shown = shown.withValue(secret, com.typesafe.config.ConfigValueFactory.fromAnyRef("***"));
                }
            }
            // Rendered as the subtree of the root key, so that the output parses as a config file
            // ("eventbus { ... }"): the root object renders without braces, and "eventbus " put in
            // front of that did not parse (config check -c on it: "Key 'eventbus' may not be followed by token").
            String rendered = shown.atKey("eventbus")
                    .root()
                    .render(ConfigRenderOptions.defaults()
                            .setOriginComments(false)
                            .setJson(false));
            warnings(config, spec);
            spec.commandLine()
                    .getOut()
                    .println(rendered.replace(
                            config.redis().uri(), config.redis().redactedUri()));
            return 0;
        }
    }

    /**
     * The admin host must be one to listen on here, as {@code run} would (found from outside: an
     * address of another machine was "valid", and {@code run} then could not listen). Checked by
     * {@code config check} alone, not when the configuration is loaded: {@code status} and the other
     * operator commands read the same file to find the runtime's address, maybe on another machine.
     *
     * @throws InvalidConfigException naming the key, where it was set and why
     */
    private static void adminListening(RuntimeConfig config) {
        AdminSettings admin = config.operations().admin();
        if (!admin.enabled()) {
            return;
        }
        AdminBinding.requireListening(config);
    }

    /** Settings that work but are unsafe, as HOCON comments so the output still parses. */
    private static void warnings(RuntimeConfig config, CommandSpec spec) {
        config.warnings().forEach(w -> spec.commandLine().getOut().println("# WARNING: " + w));
        if (config.redis().peerVerificationOff()) {
            spec.commandLine().getOut().println("# WARNING: " + RedisSettings.VERIFICATION_OFF_WARNING);
        }
        config.services().values().stream()
                .filter(s -> s.plaintextOverNetwork())
                .forEach(s -> spec.commandLine()
                        .getOut()
                        .println("# WARNING: calls to gRPC service " + s.service() + " at "
                                + s.target()
                                + " are plaintext (tls = false): anyone on the network path can read and change "
                                + "them"));
    }

    private static void pluginsDirWarning(RuntimeConfig config, CommandSpec spec) {
        Path plugins = config.pluginsDir();
        if (!Files.isDirectory(plugins)) {
            // run starts all the same (and says so), so not an error here either: but never "valid" in silence.
            spec.commandLine()
                    .getOut()
                    .println("# WARNING: " + CommandContext.notAPluginsDir(plugins.toAbsolutePath())
                            + ": run would start with no handlers " + CommandContext.PLUGINS_DIR_SET_BY);
        }
    }
}
