package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.plugin.PluginFailure;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Draws who consumes what and calls whom: stream -> event type -> handler -> gRPC service, from
 * the handlers' declarations.
 */
public final class TopologyRenderer {

    private TopologyRenderer() {}

    /** Mermaid {@code flowchart LR}: one subgraph per stream holding its event types. */
    public static String mermaid(PluginCatalog catalog) {
        Map<String, String> ids = new LinkedHashMap<>();
        java.util.function.BiFunction<String, String, String> id =
                (prefix, name) -> ids.computeIfAbsent(prefix + ":" + name, k -> prefix + (ids.size() + 1));
        StringBuilder b = new StringBuilder("flowchart LR\n");
        Map<String, Set<String>> typesByStream = new LinkedHashMap<>();
        Set<String> services = new LinkedHashSet<>();
        for (PluginCatalog.Handler h : catalog.handlers()) {
            h.subscriptions()
                    .forEach((stream, types) -> typesByStream
                            .computeIfAbsent(stream, s -> new LinkedHashSet<>())
                            .addAll(types));
            services.addAll(h.services());
        }
        typesByStream.forEach((stream, types) -> {
            b.append("  subgraph ")
                    .append(id.apply("s", stream))
                    .append("[\"stream: ")
                    .append(label(stream))
                    .append("\"]\n");
            for (String type : types) {
                b.append("    ")
                        .append(id.apply("t", stream + "/" + type))
                        .append("[\"")
                        .append(label(type))
                        .append("\"]\n");
            }
            b.append("  end\n");
        });
        for (PluginCatalog.Handler h : catalog.handlers()) {
            b.append("  ")
                    .append(id.apply("h", h.name()))
                    .append("[[\"")
                    .append(label(h.name()))
                    .append("<br/><small>plugin ")
                    .append(label(h.pluginId()))
                    .append(' ')
                    .append(label(h.pluginVersion()))
                    .append("</small>\"]]\n");
        }
        for (String service : services) {
            b.append("  ")
                    .append(id.apply("g", service))
                    .append("([\"")
                    .append(label(service))
                    .append("\"])\n");
        }
        for (PluginCatalog.Handler h : catalog.handlers()) {
            h.subscriptions().forEach((stream, types) -> {
                for (String type : types) {
                    b.append("  ")
                            .append(id.apply("t", stream + "/" + type))
                            .append(" --> ")
                            .append(id.apply("h", h.name()))
                            .append('\n');
                }
            });
            for (String service : h.services()) {
                b.append("  ")
                        .append(id.apply("h", h.name()))
                        .append(" -- gRPC --> ")
                        .append(id.apply("g", service))
                        .append('\n');
            }
        }
        for (PluginFailure f : catalog.refused()) {
            b.append("  %% refused: ").append(f.toString().replace('\n', ' ')).append('\n');
        }
        return b.toString();
    }

    /** Indented text: stream, event type, handler, services. */
    public static String text(PluginCatalog catalog) {
        StringBuilder b = new StringBuilder();
        Map<String, Map<String, List<PluginCatalog.Handler>>> tree = new LinkedHashMap<>();
        for (PluginCatalog.Handler h : catalog.handlers()) {
            h.subscriptions().forEach((stream, types) -> {
                for (String type : types) {
                    tree.computeIfAbsent(stream, s -> new LinkedHashMap<>())
                            .computeIfAbsent(type, t -> new java.util.ArrayList<>())
                            .add(h);
                }
            });
        }
        tree.forEach((stream, types) -> {
            b.append("stream ").append(stream).append('\n');
            types.forEach((type, handlers) -> {
                b.append("  ").append(type).append('\n');
                for (PluginCatalog.Handler h : handlers) {
                    b.append("    -> ")
                            .append(h.name())
                            .append(" (plugin ")
                            .append(h.pluginId())
                            .append(' ')
                            .append(h.pluginVersion())
                            .append(')');
                    if (!h.services().isEmpty()) {
                        b.append(" -> gRPC ").append(String.join(", ", h.services()));
                    }
                    b.append('\n');
                }
            });
        });
        if (catalog.handlers().isEmpty()) {
            b.append("no handlers admitted\n");
        }
        for (PluginFailure f : catalog.refused()) {
            b.append("refused: ").append(f).append('\n');
        }
        return b.toString();
    }

    private static String label(String s) {
        return s.replace("\"", "#quot;");
    }
}
