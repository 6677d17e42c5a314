package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.ops.PluginCatalog;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code eventbus plugins list|show}: what the plugins directory holds and what would be refused. */
@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = {"List the plugins directory: admitted plugins and handlers, refused ones with reasons.",
                "Loads them the way `run` admits them, without Redis and without starting consumers (it does not ask a "
                + "running instance)."},
        subcommands = {PluginsCommand.ListPlugins.class, PluginsCommand.Show.class, PluginsCommand.Reload.class})
final class PluginsCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Map<String, Object> json(PluginCatalog catalog, String only) {
        List<Map<String, Object>> plugins = new ArrayList<>();
        catalog.byPlugin().forEach((id, handlers) -> {
            if (only == null || only.equals(id)) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("id", id);
                p.put("version", handlers.get(0).pluginVersion());
                p.put("handlers", handlers);
                plugins.add(p);
            }
        });
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("plugins", plugins);
        m.put("refused", catalog.refused().stream().filter(f -> only == null || only.equals(f.pluginId())).toList());
        return m;
    }

    static void print(PluginCatalog catalog, String only, PrintWriter out) {
        CliOutput.Table table = new CliOutput.Table("PLUGIN", "VERSION", "HANDLER", "CONSUMES", "CALLS");
        for (PluginCatalog.Handler h : catalog.handlers()) {
            if (only == null || only.equals(h.pluginId())) {
                String consumes = h.subscriptions().entrySet().stream()
                        .map(e -> e.getKey() + ": " + String.join(", ", e.getValue())).collect(Collectors.joining("; "));
                table.row(h.pluginId(), h.pluginVersion(), h.name(), consumes,
                        h.services().isEmpty() ? "-" : String.join(", ", h.services()));
            }
        }
        if (table.size() > 0) {
            table.print(out);
        } else {
            out.println(only == null ? "no plugin admitted" : "plugin '" + only + "' not admitted");
        }
        List<PluginFailure> refused = catalog.refused().stream().filter(f -> only == null || only.equals(f.pluginId())).toList();
        if (!refused.isEmpty()) {
            out.println();
            out.println("refused:");
            refused.forEach(f -> out.println("  " + f));
        }
        out.flush();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List admitted plugins and handlers, and refused plugins with reasons.")
    static final class ListPlugins implements Callable<Integer> {
        @Mixin ConfigOptions options;
        @Spec CommandSpec spec;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            PluginCatalog catalog = CliOutput.quietPluginHost(() -> PluginCatalog.load(options.load()));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(CliOutput.json(PluginsCommand.json(catalog, null)));
                out.flush();
            } else {
                print(catalog, null, out);
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one plugin: version, handlers, events, services, or why it was refused.")
    static final class Show implements Callable<Integer> {
        @Mixin ConfigOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The plugin id.")
        String id;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() {
            PluginCatalog catalog = CliOutput.quietPluginHost(() -> PluginCatalog.load(options.load()));
            boolean known = catalog.byPlugin().containsKey(id)
                    || catalog.refused().stream().anyMatch(f -> id.equals(f.pluginId()));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(CliOutput.json(PluginsCommand.json(catalog, id)));
                out.flush();
            } else {
                print(catalog, id, out);
            }
            return known ? 0 : 1;
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = "Ask the running runtime (its admin HTTP port) to reload one plugin from its JAR: "
                    + "its subscriptions drain, the plugin is unloaded and loaded again. Exit 0 when the new "
                    + "load runs, 1 when it was refused (the old version keeps running) or the runtime is unreachable.")
    static final class Reload implements Callable<Integer> {
        @Mixin ConfigOptions options;
        @Spec CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID", description = "The plugin id.")
        String id;

        @Option(names = "--admin", paramLabel = "URL",
                description = "Admin HTTP address (default: http://<admin.host>:<admin.http-port> from the config).")
        String admin;

        @Override
        public Integer call() throws Exception {
            var settings = options.load().operations().admin();
            String base = admin != null ? admin : "http://" + settings.host() + ":" + settings.httpPort();
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/plugins/"
                            + java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8) + "/reload"))
                    .timeout(java.time.Duration.ofMinutes(2))
                    .POST(java.net.http.HttpRequest.BodyPublishers.noBody());
            if (settings.tokenRequired()) {
                request.header("Authorization", "Bearer " + settings.token());
            }
            java.net.http.HttpResponse<String> response;
            try (var client = java.net.http.HttpClient.newHttpClient()) {
                response = client.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException e) {
                spec.commandLine().getErr().println("eventbus: cannot reach the runtime's admin port at " + base + ": " + e);
                return 1;
            }
            var out = response.statusCode() == 200 ? spec.commandLine().getOut() : spec.commandLine().getErr();
            out.print(response.body());
            out.flush();
            return response.statusCode() == 200 ? 0 : 1;
        }
    }
}
