package dev.eventbus.runtime.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.eventbus.admin.v1.Consumes;
import dev.eventbus.admin.v1.Plugin;
import dev.eventbus.admin.v1.RefusedPlugin;
import dev.eventbus.runtime.ops.PluginCatalog;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code plugins list|show} print: plugins with their handlers, and refused JARs with reasons,
 * either as a running runtime reports them (then each handler has a state) or as the builds of the
 * plugins directory's JARs recorded them (JARs it cannot describe are listed as refused).
 *
 * @param live whether the running runtime answered (handlers then carry their state)
 */
record PluginListing(List<Entry> plugins, List<PluginFailure> refused, boolean live) {

    /** @param source the JAR's file name; null when read from the directory scan, which does not keep it */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(String id, String version, String source, List<HandlerEntry> handlers) {}

    /** @param state running, paused, stopped or starting; null when not asked of a runtime */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record HandlerEntry(String name, Map<String, Set<String>> subscriptions, Set<String> services, String state) {}

    static PluginListing of(PluginCatalog catalog) {
        List<Entry> plugins = new ArrayList<>();
        catalog.byPlugin()
                .forEach((id, handlers) -> plugins.add(new Entry(
                        id,
                        handlers.get(0).pluginVersion(),
                        null,
                        handlers.stream()
                                .map(h -> new HandlerEntry(h.name(), h.subscriptions(), h.services(), null))
                                .toList())));
        return new PluginListing(plugins, catalog.refused(), false);
    }

    static PluginListing of(List<Plugin> running, List<RefusedPlugin> refused) {
        List<Entry> plugins = new ArrayList<>();
        for (Plugin p : running) {
            List<HandlerEntry> handlers = p.getHandlersList().stream()
                    .map(h -> new HandlerEntry(
                            h.getName(),
                            h.getConsumesList().stream()
                                    .collect(Collectors.toMap(
                                            Consumes::getStream,
                                            c -> (Set<String>) new LinkedHashSet<>(c.getEventTypesList()),
                                            (a, b) -> a,
                                            LinkedHashMap::new)),
                            new LinkedHashSet<>(h.getServicesList()),
                            h.getState().name().toLowerCase(Locale.ROOT)))
                    .toList();
            plugins.add(new Entry(p.getId(), p.getVersion(), p.getSource(), handlers));
        }
        List<PluginFailure> failures = refused.stream()
                .map(r -> new PluginFailure(
                        r.getSource(), r.getPluginId().isEmpty() ? null : r.getPluginId(), r.getReason()))
                .toList();
        return new PluginListing(plugins, failures, true);
    }

    /** Whether a plugin id runs (or is described), or was refused. */
    boolean knows(String id) {
        return plugins.stream().anyMatch(p -> p.id().equals(id))
                || refused.stream().anyMatch(f -> id.equals(f.pluginId()));
    }

    /** {@code {"plugins": [...], "refused": [...]}}, only the plugin {@code only} when not null. */
    Map<String, Object> json(String only) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(
                "plugins",
                plugins.stream()
                        .filter(p -> only == null || only.equals(p.id()))
                        .toList());
        m.put("refused", refused(only));
        return m;
    }

    void print(String only, PrintWriter out) {
        CliOutput.Table table = live
                ? new CliOutput.Table("PLUGIN", "VERSION", "HANDLER", "STATE", "CONSUMES", "CALLS")
                : new CliOutput.Table("PLUGIN", "VERSION", "HANDLER", "CONSUMES", "CALLS");
        for (Entry p : plugins) {
            if (only != null && !only.equals(p.id())) {
                continue;
            }
            for (HandlerEntry h : p.handlers()) {
                String consumes = h.subscriptions().entrySet().stream()
                        .map(e -> e.getKey() + ": " + String.join(", ", e.getValue()))
                        .collect(Collectors.joining("; "));
                String calls = h.services().isEmpty() ? "-" : String.join(", ", h.services());
                if (live) {
                    table.row(p.id(), p.version(), h.name(), h.state(), consumes, calls);
                } else {
                    table.row(p.id(), p.version(), h.name(), consumes, calls);
                }
            }
        }
        if (table.size() > 0) {
            table.print(out);
        } else {
            out.println(
                    only == null
                            ? "no plugin " + (live ? "runs" : "described")
                            : "plugin '" + only + "' " + (live ? "does not run" : "not described"));
        }
        List<PluginFailure> refusedHere = refused(only);
        if (!refusedHere.isEmpty()) {
            out.println();
            out.println("refused:");
            refusedHere.forEach(f -> out.println("  " + f));
        }
        out.flush();
    }

    private List<PluginFailure> refused(String only) {
        return refused.stream()
                .filter(f -> only == null || only.equals(f.pluginId()))
                .toList();
    }
}
