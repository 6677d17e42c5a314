package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.InvalidConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code eventbus}: the root command; each job is a subcommand. */
@Command(
        name = "eventbus",
        mixinStandardHelpOptions = true,
        versionProvider = EventbusCommand.Version.class,
        description = "Event worker runtime: consumes Redis Streams, runs handler plugins, calls gRPC services.",
        subcommands = {
            RunCommand.class,
            DevCommand.class,
            ConfigCommand.class,
            StatusCommand.class,
            DlqCommand.class,
            ReplayCommand.class,
            PublishCommand.class,
            TopologyCommand.class,
            PluginsCommand.class,
            NewPluginCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure while running", "2:invalid command line or configuration"})
public final class EventbusCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with the runtime's error handling: config problems are usage errors (exit 2). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new EventbusCommand());
        // "@FILE" is publish --data's own form (the file's bytes as the payload); picocli would
        // otherwise read the file as more arguments.
        cli.setExpandAtFiles(false);
        // Numbers in the operator's words, for every command: picocli said "'abc' is not a long".
        CommandLine.ITypeConverter<Long> whole = value -> whole(value, Long::valueOf);
        CommandLine.ITypeConverter<Integer> wholeInt = value -> whole(value, Integer::valueOf);
        CommandLine.ITypeConverter<Double> number = value -> {
            try {
                return Double.valueOf(value);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a number");
            }
        };
        cli.registerConverter(Long.class, whole).registerConverter(long.class, whole);
        cli.registerConverter(Integer.class, wholeInt).registerConverter(int.class, wholeInt);
        cli.registerConverter(Double.class, number).registerConverter(double.class, number);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof InvalidConfigException) {
                commandLine.getErr().println("eventbus: " + e.getMessage());
                return 2;
            }
            if (e instanceof dev.eventbus.runtime.ops.OpsException) {
                commandLine.getErr().println("eventbus: " + e.getMessage());
                return 1;
            }
            if (dev.eventbus.runtime.internal.Errors.isPermissionDenied(e)) {
                commandLine.getErr().println("eventbus: " + dev.eventbus.runtime.internal.Errors.describe(e));
                return 1;
            }
            if (e instanceof io.lettuce.core.RedisException) {
                // Not the exception's class name and its message alone ("Unable to connect to
                // 127.0.0.1:7306"): which node, and the cause below it.
                commandLine
                        .getErr()
                        .println("eventbus: Redis: "
                                + dev.eventbus.runtime.config.RedisSettings.redactAll(
                                        dev.eventbus.runtime.internal.Errors.messageAndRoot(e)));
                return 1;
            }
            commandLine.getErr().println("eventbus: " + e);
            return 1;
        });
        return cli;
    }

    /** A whole-number option's value, or a usage error saying so ("'abc' is not a whole number"). */
    private static <T> T whole(String value, java.util.function.Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException(
                    "'" + value + "' is " + (value.matches("[+-]?[0-9]+") ? "too large" : "not a whole number"));
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"eventbus " + Versions.runtime() + " (plugin-api " + Versions.pluginApi() + ")"};
        }
    }
}
