package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.plugin.PluginHost;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the plugins directory holds, as the runtime would admit it: loaded with the runtime's own
 * plugin host and config checks, but without Redis and without starting any consumer. Feeds
 * {@code eventbus plugins list} and {@code eventbus topology}.
 */
public record PluginCatalog(List<Handler> handlers, List<PluginFailure> refused) {

    /** One admitted handler, from its declaration. */
    public record Handler(String name, String pluginId, String pluginVersion,
            Map<String, Set<String>> subscriptions, Set<String> services) {}

    /** Loads the plugins directory of the config, then unloads everything again. */
    public static PluginCatalog load(RuntimeConfig config) {
        try (RpcChannelRegistry rpc = new RpcChannelRegistry(config.services());
                PluginHost host = new PluginHost(config.pluginsDir(), Versions.pluginApi(), config, rpc)) {
            List<Handler> handlers = new ArrayList<>();
            for (LoadedHandler h : host.start()) {
                Map<String, Set<String>> subs = new LinkedHashMap<>();
                h.spec().subscriptions().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> subs.put(e.getKey(), new TreeSet<>(e.getValue())));
                handlers.add(new Handler(h.name(), h.pluginId(), h.pluginVersion(), subs,
                        new TreeSet<>(h.spec().services())));
            }
            handlers.sort(java.util.Comparator.comparing(Handler::pluginId).thenComparing(Handler::name));
            return new PluginCatalog(List.copyOf(handlers), host.failures());
        }
    }

    /** The admitted plugins by id, each with its version and handlers. */
    public Map<String, List<Handler>> byPlugin() {
        Map<String, List<Handler>> plugins = new LinkedHashMap<>();
        handlers.forEach(h -> plugins.computeIfAbsent(h.pluginId(), k -> new ArrayList<>()).add(h));
        return plugins;
    }
}
