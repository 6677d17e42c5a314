package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.ops.PluginCatalog;
import dev.eventbus.runtime.plugin.AdmissionCheck;
import dev.eventbus.runtime.plugin.AdmissionTimeoutException;
import dev.eventbus.runtime.plugin.Claimants;
import dev.eventbus.runtime.plugin.CodeFreeFindings;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.plugin.PluginJarCheck;
import dev.eventbus.runtime.stream.KeyLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * The plugin part of {@code config check}: each JAR of the plugins directory checked as the runtime
 * would admit it, first what needs none of its code (see {@link PluginJarCheck}), then, for a JAR
 * that passes, its admission in a throwaway host with the configured subtree (see {@link
 * AdmissionCheck}: its handlers are created and their start hooks run; one whose start does not
 * return within {@code admin.stall-timeout} is a finding, its thread left stuck), and every
 * gRPC service its handlers declare in its build descriptor given a target, with the runtime's
 * messages. A JAR without a build descriptor is said to be so, its services unchecked. Stateless.
 */
final class PluginConfigCheck {

    private PluginConfigCheck() {}

    /**
     * Prints one line per problem to {@code err} and one per note to {@code out}.
     *
     * @param file the config file checked, named in each problem (or null when none)
     * @return how many problems were found
     */
    static int check(RuntimeConfig config, Path file, PrintWriter out, PrintWriter err) {
        Path dir = config.pluginsDir();
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        // Plugin code runs below: an exit it calls ends the check with 2 and says so, after what
        // was found until then, rather than with the plugin's status and nothing said.
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        try (ExitRefusal refusal = ExitRefusal.arm("config check", line -> {
            synchronized (problems) {
                problems.forEach(err::println);
            }
            err.println(line);
            err.flush();
        })) {
            return check(config, file, out, err, dir, problems, refusal);
        }
    }

    private static int check(
            RuntimeConfig config,
            Path file,
            PrintWriter out,
            PrintWriter err,
            Path dir,
            List<String> problems,
            ExitRefusal refusal) {
        List<Path> jars;
        try (Stream<Path> files = Files.list(dir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            err.printf("config check: cannot list the plugins directory %s: %s%n", dir, e.getMessage());
            return 1;
        }
        String against = file == null ? "the defaults" : file.toString();
        Set<String> refused = new HashSet<>();
        // The JARs the runtime would not install, each with a reason (the catalog read below takes
        // them as refused).
        Map<String, PluginFailure> notInstalled = new HashMap<>();
        // What needs none of the plugin's code, and the plugin ids the JARs claim (see Claimants):
        // JARs that claim one id are refused all, as at the runtime's start, before their code runs.
        List<Claimants.IdClaim> ids = new ArrayList<>();
        for (Path jar : jars) {
            CodeFreeFindings found = PluginJarCheck.check(jar, config, Versions.pluginApi());
            if (found.verdict() != CodeFreeFindings.Verdict.REFUSED_BEFORE_ITS_ID) {
                descriptor(jar).ifPresent(ids::add);
            }
            found.refusals().forEach(failure -> {
                refused.add(failure.source());
                notInstalled.put(failure.source(), failure);
            });
        }
        Map<Claimants.IdClaim, List<Claimants.IdClaim>> sameId = Claimants.ofSameId(ids);
        for (Path jar : jars) {
            String source = jar.getFileName().toString();
            Optional<Claimants.IdClaim> claim =
                    ids.stream().filter(c -> c.source().equals(source)).findFirst();
            List<Claimants.IdClaim> rivals = claim.map(sameId::get).orElse(null);
            if (rivals != null) {
                String reason = Claimants.sameId(claim.get(), rivals);
                refused.add(source);
                notInstalled.put(source, new PluginFailure(source, claim.get().pluginId(), reason));
                problems.add(problem(jar, claim.get().pluginId(), against, reason));
            } else if (notInstalled.containsKey(source)) {
                PluginFailure failure = notInstalled.get(source);
                problems.add(problem(jar, failure.pluginId(), against, failure.reason()));
            }
        }
        // What needs the plugin's code: each JAR admitted in a throwaway host with the configured
        // subtree, so a setting a handler's start hook rejects is found here, not at the next reload.
        // Each host holds one JAR, so handler names claimed by more than one JAR (refused all, as at
        // the runtime's start) are compared here.
        List<Claimants.NameClaim> names = new ArrayList<>();
        Map<Claimants.NameClaim, LoadedHandler> handlerOf = new HashMap<>();
        Map<String, Boolean> wholeJar = new HashMap<>();
        // A plugin whose start never returns hangs run's start-up until liveness says so: the
        // same bound here, per JAR, so the check ends (found from outside: it waited for ever).
        Duration bound = config.operations().admin().stallTimeout();
        for (Path jar : jars) {
            String source = jar.getFileName().toString();
            if (refused.contains(source)) {
                continue;
            }
            List<LoadedHandler> admitted = new ArrayList<>();
            List<PluginFailure> found;
            refusal.checking("plugin JAR " + jar);
            try {
                found = AdmissionCheck.check(
                        jar,
                        Versions.pluginApi(),
                        config::pluginConfig,
                        admitted::add,
                        bound,
                        () -> out.println("# plugin JAR " + jar + ": still starting after "
                                + shown(AdmissionCheck.STILL_WAITING_AFTER) + "; it counts as hung after "
                                + shown(bound) + " (eventbus.admin.stall-timeout)"));
            } catch (AdmissionTimeoutException stuck) {
                // Run would hang here, its liveness failing after the same time: a finding, and the
                // check goes on with the next JAR (the plugin's thread stays stuck: nothing stops it).
                String reason = stuck.describe("within " + shown(bound)
                        + " (eventbus.admin.stall-timeout, after which run's liveness fails while it loads plugins)");
                refused.add(source);
                notInstalled.put(source, new PluginFailure(source, pluginId(jar).orElse(null), reason));
                problems.add("config check: plugin JAR " + jar
                        + pluginId(jar).map(id -> " (plugin " + id + ")").orElse("")
                        + " would hang run's start-up with " + against + ": " + reason);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                problems.add("config check: interrupted while admitting " + jar);
                break;
            }
            for (PluginFailure failure : found) {
                refused.add(failure.source());
                problems.add(problem(jar, failure.pluginId(), against, failure.reason()));
            }
            if (admitted.isEmpty()) {
                notInstalled.put(
                        source,
                        found.isEmpty()
                                ? new PluginFailure(source, pluginId(jar).orElse(null), "no handler admitted")
                                : found.get(0));
                continue;
            }
            wholeJar.put(source, found.isEmpty());
            for (LoadedHandler h : admitted) {
                Claimants.NameClaim name = new Claimants.NameClaim(
                        source, h.name(), h.handler().getClass().getName(), h.pluginId());
                names.add(name);
                handlerOf.put(name, h);
            }
        }
        Map<Claimants.NameClaim, List<Claimants.NameClaim>> sameName = Claimants.ofSameName(names);
        // The catalog read below finds these too, from the build descriptors: said once, as problems.
        Set<PluginFailure> saidAlready = new HashSet<>();
        for (Claimants.NameClaim name : names) {
            Path jar = dir.resolve(name.source());
            List<Claimants.NameClaim> rivals = sameName.get(name);
            if (rivals != null) {
                String reason = Claimants.sameNameRefusal(name, rivals);
                saidAlready.add(new PluginFailure(name.source(), name.pluginId(), reason));
                problems.add(problem(jar, name.pluginId(), against, reason));
            } else if (wholeJar.get(name.source())) {
                LoadedHandler h = handlerOf.get(name);
                streamRefusals(config, h).forEach(why -> problems.add(subscriptionProblem(jar, h, against, why)));
            }
        }
        // The services each handler calls, from the build descriptor: no plugin code runs to find out.
        // Read with the refusals found above, so that a refused JAR holds no id there either: a JAR
        // the allow-list refuses took its id from a later JAR of that id, whose services went
        // unchecked and which was said to be refused for its id (found in review).
        // A handler class that cannot be loaded is refused above, and its services not checked.
        PluginCatalog catalog = PluginCatalog.read(dir, jar -> {
            PluginFailure notHere = notInstalled.get(jar.getFileName().toString());
            return notHere != null
                    ? CodeFreeFindings.refusedBeforeItsId(notHere)
                    : PluginJarCheck.findings(jar, config, Versions.pluginApi());
        });
        Map<String, Path> jarOf = new HashMap<>();
        jars.stream()
                .filter(jar -> !notInstalled.containsKey(jar.getFileName().toString()))
                .forEach(jar -> pluginId(jar).ifPresent(id -> jarOf.putIfAbsent(id, jar)));
        for (PluginCatalog.Handler h : catalog.handlers()) {
            Path jar = jarOf.get(h.pluginId());
            if (jar == null || refused.contains(jar.getFileName().toString())) {
                continue;
            }
            for (String service : h.services()) {
                if (!config.services().containsKey(service)) {
                    problems.add(problem(
                            jar,
                            h.pluginId(),
                            against,
                            "handler '" + h.name() + "': declares gRPC "
                                    + "service '" + service + "' but it has no target: add eventbus.grpc.services.\""
                                    + service + "\".target to the runtime config"));
                }
            }
        }
        for (PluginFailure f : catalog.refused()) {
            if (!refused.contains(f.source()) && !saidAlready.contains(f)) {
                out.println("# plugin JAR " + dir.resolve(f.source())
                        + (f.pluginId() == null ? "" : " (plugin " + f.pluginId() + ")") + ": "
                        + (f.reason().startsWith("no build descriptor") ? "no build descriptor" : f.reason())
                        + ": services not checked");
            }
        }
        synchronized (problems) {
            problems.forEach(err::println);
            return problems.size();
        }
    }

    /**
     * What {@link RuntimeConfig#pluginIdsConfiguredForNone} and {@link
     * RuntimeConfig#handlersConfiguredForNone} say of the config against the plugin ids of the JARs
     * in the plugins directory (read from their manifests) and the handler names their build
     * descriptors record (no plugin code runs). Handler names are judged only when every JAR has a
     * build descriptor: otherwise some names are unknown.
     */
    static List<String> configuredForNone(RuntimeConfig config) {
        Set<String> ids = new HashSet<>();
        Path dir = config.pluginsDir();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                        .forEach(jar -> pluginId(jar).ifPresent(ids::add));
            } catch (IOException e) {
                return List.of(); // said already by the check of the JARs
            }
        }
        List<String> warnings = new ArrayList<>(config.pluginIdsConfiguredForNone(ids));
        PluginCatalog catalog = Files.isDirectory(dir) ? PluginCatalog.read(dir) : null;
        if (catalog != null && catalog.refused().isEmpty()) {
            warnings.addAll(config.handlersConfiguredForNone(
                    catalog.handlers().stream().map(PluginCatalog.Handler::name).toList(), false));
        }
        return warnings;
    }

    /**
     * Why the runtime would refuse to start a subscription of the handler (each stream key it
     * reads, partitions included): on a Redis Cluster a stream whose braces are not a hash tag.
     */
    private static List<String> streamRefusals(RuntimeConfig config, LoadedHandler handler) {
        KeyLayout keys = KeyLayout.of(config.redis(), config.consumer().deadLetterPrefix());
        List<String> refusals = new ArrayList<>();
        for (String stream : handler.spec().subscriptions().keySet()) {
            for (String key : config.streamKeys(stream)) {
                String refusal = keys.refusal(key);
                if (refusal != null) {
                    refusals.add(refusal);
                }
            }
        }
        return refusals;
    }

    private static String subscriptionProblem(Path jar, LoadedHandler h, String against, String reason) {
        return "config check: plugin JAR " + jar + " (plugin " + h.pluginId() + "): handler '" + h.name()
                + "' would not start a subscription with " + against + ": " + reason;
    }

    private static String problem(Path jar, String pluginId, String against, String reason) {
        return "config check: plugin JAR " + jar + (pluginId == null ? "" : " (plugin " + pluginId + ")")
                + " would be refused with " + against + ": " + reason;
    }

    /** As the config file writes it: {@code 2m}, {@code 1m30s}, {@code 0.5s}. */
    static String shown(Duration d) {
        return d.toString().substring(2).toLowerCase();
    }

    /** The plugin id and version its manifest names, if it names an id. */
    private static Optional<Claimants.IdClaim> descriptor(Path jar) {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest manifest = file.getManifest();
            String id = manifest == null ? null : manifest.getMainAttributes().getValue("Plugin-Id");
            return id == null
                    ? Optional.empty()
                    : Optional.of(new Claimants.IdClaim(
                            jar.getFileName().toString(),
                            id,
                            manifest.getMainAttributes().getValue("Plugin-Version")));
        } catch (IOException e) {
            return Optional.empty(); // refused already as not a readable JAR
        }
    }

    private static Optional<String> pluginId(Path jar) {
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            Manifest manifest = file.getManifest();
            return Optional.ofNullable(
                    manifest == null ? null : manifest.getMainAttributes().getValue("Plugin-Id"));
        } catch (IOException e) {
            return Optional.empty(); // refused already as not a readable JAR
        }
    }
}
