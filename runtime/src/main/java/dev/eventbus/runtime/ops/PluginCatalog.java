package dev.eventbus.runtime.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.plugin.Claimants;
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
import java.util.HashSet;
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
     * handlers, as a running runtime would show it; a handler whose class is refused is not shown,
     * its refusal is. JARs that claim one plugin id, or one handler name, are refused all, as at
     * the runtime's start (see {@link Claimants}): a JAR claims its id unless refused before it
     * (unreadable, no descriptor, a bundled shared library, the allow-list), and the names of the
     * handlers it would run.
     *
     * @param codeFree what the runtime's admission finds in a JAR without running its code
     */
    public static PluginCatalog read(Path pluginsDir, Function<Path, CodeFreeFindings> codeFree) {
        List<Path> jars;
        try (Stream<Path> files = Files.list(pluginsDir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the plugins directory " + pluginsDir, e);
        }
        // What each JAR claims and would run on its own; then what the runtime refuses across JARs.
        Map<String, List<PluginFailure>> refusedBySource = new LinkedHashMap<>();
        List<Claimants.IdClaim> ids = new ArrayList<>();
        Map<String, CodeFreeFindings> findings = new HashMap<>();
        for (Path jar : jars) {
            String source = jar.getFileName().toString();
            List<PluginFailure> refused = refusedBySource.computeIfAbsent(source, k -> new ArrayList<>());
            CodeFreeFindings found = codeFree.apply(jar);
            findings.put(source, found);
            if (found.verdict() == Verdict.REFUSED_BEFORE_ITS_ID) {
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
                ids.add(new Claimants.IdClaim(source, id, main.getValue("Plugin-Version")));
            } catch (IOException e) {
                refused.add(new PluginFailure(source, null, "not a readable JAR (" + e.getMessage() + ")"));
            }
        }
        Map<Claimants.IdClaim, List<Claimants.IdClaim>> sameId = Claimants.ofSameId(ids);
        Map<String, List<Handler>> handlersBySource = new LinkedHashMap<>();
        List<Claimants.NameClaim> names = new ArrayList<>();
        Map<Handler, Claimants.NameClaim> claimOf = new HashMap<>();
        for (Claimants.IdClaim claim : ids) {
            String source = claim.source();
            List<PluginFailure> refused = refusedBySource.get(source);
            List<Claimants.IdClaim> rivals = sameId.get(claim);
            if (rivals != null) {
                refused.add(new PluginFailure(source, claim.pluginId(), Claimants.sameId(claim, rivals)));
                continue;
            }
            CodeFreeFindings found = findings.get(source);
            refused.addAll(found.refusals()); // the whole JAR, or handler classes while the others run
            if (found.verdict() == Verdict.REFUSED) {
                continue;
            }
            try (JarFile file = new JarFile(pluginsDir.resolve(source).toFile(), false)) {
                JarEntry descriptor = file.getJarEntry(HandlerDescriptor.PATH);
                if (descriptor == null) {
                    refused.add(new PluginFailure(
                            source,
                            claim.pluginId(),
                            "no build descriptor (" + HandlerDescriptor.PATH
                                    + "; eventbus-plugin-parent writes it): its handlers are not run here to find out; the "
                                    + "running runtime shows them"));
                    continue;
                }
                try (InputStream in = file.getInputStream(descriptor)) {
                    JsonNode tree = JSON.readTree(in);
                    List<Handler> own = new ArrayList<>();
                    Set<String> ownNames = new HashSet<>();
                    for (Handler h : handlers(tree, claim.pluginId(), claim.version())) {
                        String type = classOf(tree, h.name());
                        if (found.refusedHandlerClasses().contains(type)) {
                            continue;
                        }
                        if (!ownNames.add(h.name())) {
                            refused.add(new PluginFailure(
                                    source,
                                    claim.pluginId(),
                                    Claimants.sameNameInOneJar(h.name(), type, claim.pluginId())));
                            continue;
                        }
                        Claimants.NameClaim name = new Claimants.NameClaim(source, h.name(), type, claim.pluginId());
                        names.add(name);
                        claimOf.put(h, name);
                        own.add(h);
                    }
                    handlersBySource.put(source, own);
                } catch (IOException | IllegalArgumentException e) {
                    refused.add(new PluginFailure(
                            source,
                            claim.pluginId(),
                            "unreadable build descriptor " + HandlerDescriptor.PATH + ": " + e.getMessage()));
                }
            } catch (IOException e) {
                refused.add(new PluginFailure(source, null, "not a readable JAR (" + e.getMessage() + ")"));
            }
        }
        Map<Claimants.NameClaim, List<Claimants.NameClaim>> sameName = Claimants.ofSameName(names);
        List<Handler> handlers = new ArrayList<>();
        handlersBySource.forEach((source, own) -> {
            for (Handler h : own) {
                Claimants.NameClaim claim = claimOf.get(h);
                List<Claimants.NameClaim> rivals = sameName.get(claim);
                if (rivals == null) {
                    handlers.add(h);
                } else {
                    refusedBySource
                            .get(source)
                            .add(new PluginFailure(source, h.pluginId(), Claimants.sameNameRefusal(claim, rivals)));
                }
            }
        });
        handlers.sort(Comparator.comparing(Handler::pluginId).thenComparing(Handler::name));
        List<PluginFailure> refused = new ArrayList<>();
        refusedBySource.values().forEach(refused::addAll);
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
