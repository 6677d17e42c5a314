package dev.eventbus.runtime.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.plugin.AdmissionCheck;
import dev.eventbus.runtime.plugin.CodeFreeFindings;
import dev.eventbus.runtime.plugin.CodeFreeFindings.Verdict;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * What the plugins directory holds, as each plugin's build recorded it: the manifest's id and
 * version and the handlers' declarations in the build descriptor
 * ({@value HandlerDescriptor#PATH}, written by {@code eventbus-plugin-parent}). Feeds
 * {@code eventbus plugins list} and {@code eventbus topology} when no runtime answers, with what the
 * runtime's admission finds without running plugin code (see {@code PluginJarCheck#findings}): no
 * plugin code runs in the operator's shell; a JAR without a descriptor is listed as such, not run
 * to find out.
 *
 * <p>Immutable.
 */
public record PluginCatalog(List<Handler> handlers, List<PluginFailure> refused) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One handler, from its build descriptor. */
    public record Handler(
            String name,
            String pluginId,
            String pluginVersion,
            Map<String, Set<String>> subscriptions,
            Set<String> services) {}

    /** Reads every {@code *.jar} of a directory, as the builds recorded them (no config applied). */
    public static PluginCatalog read(Path pluginsDir) {
        return read(pluginsDir, jar -> CodeFreeFindings.admitted());
    }

    /**
     * Reads every {@code *.jar} of a directory, each first put to the runtime's admission checks
     * that need none of its code (bundled shared library, allow-list, config keys, handler classes
     * that cannot be loaded...): a JAR refused so shows with the runtime's reasons in place of its
     * handlers, as a running runtime would show it, and holds neither its plugin id nor its handler
     * names against a later JAR, as in the runtime (which takes an id only for a plugin it
     * installs); a handler whose class is refused is not shown, its refusal is.
     *
     * @param codeFree what the runtime's admission finds in a JAR without running its code
     */
    public static PluginCatalog read(Path pluginsDir, Function<Path, CodeFreeFindings> codeFree) {
        List<Handler> handlers = new ArrayList<>();
        List<PluginFailure> refused = new ArrayList<>();
        List<Path> jars;
        try (Stream<Path> files = Files.list(pluginsDir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the plugins directory " + pluginsDir, e);
        }
        // What the runtime refuses across JARs, in its order (by file name), known without plugin
        // code: a second JAR of a plugin id, and a handler name an earlier plugin has.
        Map<String, String> idsInUse = new HashMap<>();
        Map<String, String> namesInUse = new HashMap<>();
        for (Path jar : jars) {
            String source = jar.getFileName().toString();
            CodeFreeFindings found = codeFree.apply(jar);
            if (found.verdict() == Verdict.REFUSED_BEFORE_ITS_ID) {
                // Before its id is taken: a JAR the allow-list refuses held it against a later JAR
                // of the same id, which the runtime admits (found in review).
                refused.addAll(found.refusals());
                continue;
            }
            try (JarFile file = new JarFile(jar.toFile(), false)) {
                Manifest manifest = file.getManifest();
                Attributes main = manifest == null ? new Attributes() : manifest.getMainAttributes();
                String id = main.getValue("Plugin-Id");
                if (id == null || id.isBlank()) {
                    refused.add(new PluginFailure(source, null, "not a plugin: its manifest has no Plugin-Id"));
                    continue;
                }
                if (idsInUse.containsKey(id)) {
                    refused.add(new PluginFailure(source, id, AdmissionCheck.pluginIdTaken(id, idsInUse.get(id))));
                    continue;
                }
                if (found.verdict() == Verdict.REFUSED) {
                    // Not installed, so its id stays free (found from outside: a JAR none of whose
                    // handler classes loads held it against a later good JAR of that id).
                    refused.addAll(found.refusals());
                    continue;
                }
                idsInUse.put(id, source);
                refused.addAll(found.refusals()); // handler classes refused; the others run
                JarEntry descriptor = file.getJarEntry(HandlerDescriptor.PATH);
                if (descriptor == null) {
                    refused.add(new PluginFailure(
                            source,
                            id,
                            "no build descriptor (" + HandlerDescriptor.PATH
                                    + "; eventbus-plugin-parent writes it): its handlers are not run here to find out; the "
                                    + "running runtime shows them"));
                    continue;
                }
                try (InputStream in = file.getInputStream(descriptor)) {
                    JsonNode tree = JSON.readTree(in);
                    for (Handler h : handlers(tree, id, main.getValue("Plugin-Version"))) {
                        if (found.refusedHandlerClasses().contains(classOf(tree, h.name()))) {
                            continue;
                        }
                        String holder = namesInUse.get(h.name());
                        if (holder != null) {
                            refused.add(
                                    new PluginFailure(source, id, AdmissionCheck.handlerNameTaken(h.name(), holder)));
                        } else {
                            namesInUse.put(h.name(), AdmissionCheck.holder(classOf(tree, h.name()), id, source));
                            handlers.add(h);
                        }
                    }
                } catch (IOException | IllegalArgumentException e) {
                    refused.add(new PluginFailure(
                            source,
                            id,
                            "unreadable build descriptor " + HandlerDescriptor.PATH + ": " + e.getMessage()));
                }
            } catch (IOException e) {
                refused.add(new PluginFailure(source, null, "not a readable JAR (" + e.getMessage() + ")"));
            }
        }
        handlers.sort(Comparator.comparing(Handler::pluginId).thenComparing(Handler::name));
        return new PluginCatalog(List.copyOf(handlers), List.copyOf(refused));
    }

    private static List<Handler> handlers(JsonNode descriptor, String pluginId, String version) {
        JsonNode list = descriptor.path("handlers");
        if (!list.isArray()) {
            throw new IllegalArgumentException("no \"handlers\" array");
        }
        List<Handler> handlers = new ArrayList<>();
        for (JsonNode h : list) {
            String name = h.path("name").asText("");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("a handler without a name");
            }
            Map<String, Set<String>> subscriptions = new TreeMap<>();
            h.path("consumes").fields().forEachRemaining(e -> subscriptions.put(e.getKey(), texts(e.getValue())));
            handlers.add(
                    new Handler(name, pluginId, version, new LinkedHashMap<>(subscriptions), texts(h.path("calls"))));
        }
        return handlers;
    }

    /** The class the descriptor records for a handler name. */
    private static String classOf(JsonNode descriptor, String name) {
        for (JsonNode h : descriptor.path("handlers")) {
            if (name.equals(h.path("name").asText(""))) {
                return h.path("class").asText("?");
            }
        }
        return "?";
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> values = new TreeSet<>();
        array.forEach(v -> values.add(v.asText()));
        return values;
    }

    /** The plugins by id, each with its version and handlers. */
    public Map<String, List<Handler>> byPlugin() {
        Map<String, List<Handler>> plugins = new LinkedHashMap<>();
        handlers.forEach(h ->
                plugins.computeIfAbsent(h.pluginId(), k -> new ArrayList<>()).add(h));
        return plugins;
    }
}
