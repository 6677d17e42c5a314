package dev.eventbus.runtime.cli;

import dev.eventbus.admin.v1.GetPluginResponse;
import dev.eventbus.admin.v1.ListPluginsResponse;
import dev.eventbus.admin.v1.Plugin;
import dev.eventbus.admin.v1.ReloadPluginResponse;
import dev.eventbus.runtime.config.AdminSettings;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.ops.PluginCatalog;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code eventbus plugins list|show|reload}: the plugins of the running runtime, or of the plugins directory. */
@Command(
        name = "plugins",
        mixinStandardHelpOptions = true,
        description = {
            "The plugins the running runtime runs (its admin gRPC port): versions, handlers and their state, "
                    + "events, services; refused JARs with reasons; reload one.",
            "When the runtime does not answer, `list` and `show` say so on stderr and show what each JAR of the "
                    + "plugins directory's build recorded (its build descriptor), without running any plugin code."
        },
        subcommands = {PluginsCommand.ListPlugins.class, PluginsCommand.Show.class, PluginsCommand.Reload.class})
final class PluginsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What a command prints from: the runtime's answer, or the directory when it does not answer. */
    interface Source {
        /** @return the runtime's answer, or null for "plugin not found there" */
        PluginListing ask(AdminClient client) throws AdminClient.Unreachable;
    }

    /** Asks the runtime; when it does not answer, says so on stderr and reads the plugins' build descriptors instead. */
    static PluginListing listing(ConfigOptions options, AdminOptions admin, CommandSpec spec, Source source) {
        RuntimeConfig config = options.load();
        AdminSettings settings = config.operations().admin();
        AdminClient.Address address = admin.address(settings);
        String unavailable;
        if (address == null) {
            unavailable = "no admin gRPC address to ask: " + AdminOptions.noAddress(settings);
        } else {
            try (AdminClient client = new AdminClient(address, settings.token())) {
                return source.ask(client);
            } catch (AdminClient.Unreachable e) {
                unavailable = e.getMessage();
            }
        }
        PluginCatalog catalog = CommandContext.pluginCatalog(spec, config);
        PrintWriter err = spec.commandLine().getErr();
        err.println("eventbus: live plugin state is unavailable: " + unavailable
                + "; showing what the plugins directory " + config.pluginsDir() + " holds");
        err.flush();
        return PluginListing.of(catalog);
    }

    static void print(PluginListing listing, String only, boolean json, PrintWriter out) {
        if (json) {
            out.println(CliOutput.json(listing.json(only)));
            out.flush();
        } else {
            listing.print(only, out);
        }
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List plugins and their handlers, and refused plugins with reasons.")
    static final class ListPlugins implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            PluginListing listing = listing(options, admin, spec, client -> {
                ListPluginsResponse list = client.plugins();
                return PluginListing.of(list.getPluginsList(), list.getRefusedList());
            });
            print(listing, null, json, spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description =
                    "Show one plugin: version, handlers and their state, events, services, or why it was refused.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The plugin id.")
        String id;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            PluginListing listing = listing(options, admin, spec, client -> {
                try {
                    GetPluginResponse one = client.plugin(id);
                    return PluginListing.of(
                            one.hasPlugin() ? List.of(one.getPlugin()) : List.of(), one.getRefusedList());
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                        return PluginListing.of(List.of(), List.of());
                    }
                    throw e;
                }
            });
            print(listing, id, json, spec.commandLine().getOut());
            return listing.knows(id) ? 0 : 1;
        }
    }

    @Command(
            name = "reload",
            mixinStandardHelpOptions = true,
            description = "Ask the running runtime (its admin gRPC port) to reload one plugin from its JAR: its "
                    + "subscriptions drain, the plugin is unloaded and loaded again. Exit 0 when the new load runs, "
                    + "1 when it was refused (the old version keeps running) or the runtime does not answer.")
    static final class Reload implements Callable<Integer> {
        @Mixin
        ConfigOptions options;

        @Mixin
        AdminOptions admin;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The plugin id.")
        String id;

        @Override
        public Integer call() {
            AdminSettings settings = options.load().operations().admin();
            AdminClient.Address address = admin.address(settings);
            PrintWriter err = spec.commandLine().getErr();
            if (address == null) {
                err.println("eventbus: cannot reload " + id + ": no admin gRPC address to ask: "
                        + AdminOptions.noAddress(settings));
                return 1;
            }
            try (AdminClient client = new AdminClient(address, settings.token())) {
                PrintWriter out = spec.commandLine().getOut();
                out.println(reloaded(client.reload(id)));
                out.flush();
                return 0;
            } catch (AdminClient.Unreachable e) {
                err.println("eventbus: cannot reload " + id + ": " + e.getMessage() + "; is the runtime running?");
                return 1;
            } catch (StatusRuntimeException e) {
                String why = e.getStatus().getDescription() == null
                        ? e.getStatus().getCode().name()
                        : e.getStatus().getDescription();
                err.println("eventbus: reload of " + id + ": " + why);
                return 1;
            }
        }
    }

    /** The reload's one line; a plugin that ran no version before (refused) says so. */
    static String reloaded(ReloadPluginResponse reloaded) {
        Plugin now = reloaded.getPlugin();
        String before =
                reloaded.getPreviousVersion().isEmpty() ? "was not running" : "was " + reloaded.getPreviousVersion();
        return now.getId() + " " + now.getVersion() + " running, reloaded from " + now.getSource() + " (" + before
                + ")";
    }
}
