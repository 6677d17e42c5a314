package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import com.typesafe.config.Config;
import dev.eventbus.api.EventHandler;
import dev.eventbus.runtime.config.PluginSettings;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the plugin JARs of the plugins directory and admits their handlers. Each JAR is checked
 * on its own, so one broken plugin is refused with its reason while the others run: a corrupt or
 * truncated JAR, a missing descriptor, an unmet {@code Plugin-Requires}, a bundled copy of a
 * shared library, a handler class that cannot be created, an invalid declaration, a declared
 * gRPC service with no configured target, or plugin config keys the plugin does not define.
 *
 * <p>Runs the plugin lifecycle (stage, inspect, load, start, admit, stop, unload) and delegates
 * each check: {@link JarInspector} before loading, {@link EventbusPluginManager} (PF4J) for loading,
 * {@link PluginConfigs} for the plugin's config, {@link HandlerAdmission} per handler. Every
 * refusal is an {@link AdmissionException}, recorded in {@link Refusals}.
 *
 * <p>Owns the PF4J manager and so every plugin class loader. Not thread-safe beyond its own lock:
 * driven by the runtime's start and stop and by the reloader.
 */
public final class PluginHost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

    private final Path pluginsDir;
    private final PluginSettings settings;
    private final EventbusPluginManager manager;
    private final JarInspector inspector;
    private final PluginConfigs configs;
    private final HandlerAdmission handlerAdmission;
    private final Refusals refusals = new Refusals();
    private final Path staging;
    private final List<LoadedHandler> handlers = new ArrayList<>();
    private final Map<String, InstalledPlugin> installed = new LinkedHashMap<>();
    private final Map<String, List<String>> leakedThreads = new LinkedHashMap<>();
    /** By JAR file: the handler refusals of the running version's own admission (its other handlers run). */
    private final Map<String, List<PluginFailure>> runningRefusals = new LinkedHashMap<>();

    /** What each JAR claims (its plugin id, handler names), for the JARs admitted while it runs. */
    private final DirectoryClaims claims = new DirectoryClaims();
    /** By JAR file: the checksum of the content of its latest admission. */
    private final Map<String, String> attempted = new HashMap<>();

    public PluginHost(Path pluginsDir, String apiVersion, RuntimeConfig config, RpcChannelRegistry rpc) {
        this(
                pluginsDir,
                apiVersion,
                config.pluginHost(),
                config::pluginConfig,
                new HandlerSpecCheck(rpc::isConfigured));
    }

    /**
     * @param operatorConfig the operator's config as of the file's latest reading, asked at each
     *     admission: a plugin's subtree, and whether a service's target in the file is in effect
     */
    public PluginHost(
            Path pluginsDir,
            String apiVersion,
            RuntimeConfig config,
            RpcChannelRegistry rpc,
            LivePluginConfig operatorConfig) {
        this(
                pluginsDir,
                apiVersion,
                config.pluginHost(),
                operatorConfig,
                new HandlerSpecCheck(rpc::isConfigured, operatorConfig::targetNotInEffect));
    }

    /**
     * @param operatorConfig the operator's subtree of a plugin id (empty when none)
     * @param specs the rules of the deployment a handler's declaration must meet (service targets...)
     */
    PluginHost(
            Path pluginsDir,
            String apiVersion,
            PluginSettings settings,
            Function<String, Config> operatorConfig,
            HandlerSpecCheck specs) {
        this.pluginsDir = pluginsDir;
        this.settings = settings;
        this.manager = new EventbusPluginManager(pluginsDir, apiVersion);
        this.inspector = new JarInspector(manager, new AllowList(settings.allowList()));
        this.configs = new PluginConfigs(operatorConfig);
        this.handlerAdmission = new HandlerAdmission(manager.getExtensionFactory(), specs);
        this.staging = StagingArea.create(settings.stagingDir());
    }

    /**
     * Loads and starts every plugin JAR; returns the admitted handlers. Two JARs that claim one
     * plugin id or one handler name are refused both (see {@link Claimants}), whatever their file
     * names: the ids are compared before any JAR is loaded, the names once each JAR has admitted its
     * handlers on its own.
     */
    public synchronized List<LoadedHandler> start() {
        if (!Files.isDirectory(pluginsDir)) {
            LOG.warn(
                    "plugins directory {} {}: no handlers will run",
                    pluginsDir.toAbsolutePath(),
                    Files.exists(pluginsDir) ? "is not a directory" : "does not exist");
            return List.of();
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(pluginsDir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            refusals.record(
                    pluginsDir.toString(),
                    new AdmissionException(
                            Stage.READ, null, null, "cannot list the plugins directory: " + e.getMessage(), e));
            return List.of();
        }
        record Candidate(String source, StagedJar staged, PluginDescriptor descriptor) {}
        List<Candidate> candidates = new ArrayList<>();
        for (Path jar : jars) {
            String source = jar.getFileName().toString();
            StagedJar staged;
            try {
                staged = stageForAttempt(source, jar);
            } catch (AdmissionException refused) {
                continue; // recorded; the other JARs go on
            }
            try {
                candidates.add(new Candidate(source, staged, inspect(source, staged)));
            } catch (AdmissionException refused) {
                refusals.record(source, refused);
                StagingArea.delete(staged.path());
            }
        }
        Map<Claimants.IdClaim, List<Claimants.IdClaim>> sameId = Claimants.ofSameId(candidates.stream()
                .map(c -> idClaim(c.source(), c.descriptor()))
                .toList());
        for (Candidate c : candidates) {
            Claimants.IdClaim claim = idClaim(c.source(), c.descriptor());
            try {
                List<Claimants.IdClaim> rivals = sameId.get(claim);
                if (rivals != null) {
                    throw AdmissionException.refused(Stage.LOAD, claim.pluginId(), Claimants.sameId(claim, rivals));
                }
                admit(c.source(), c.staged(), c.descriptor(), null, Map.of());
            } catch (AdmissionException refused) {
                refusals.record(c.source(), refused);
                StagingArea.delete(c.staged().path());
            }
        }
        refuseHandlersOfSameName();
        installed.values().forEach(PluginHost::announce);
        LOG.info(
                "plugins: {} handler(s) admitted from {} JAR(s), {} refused",
                handlers.size(),
                jars.size(),
                refusals.all().size());
        return List.copyOf(handlers);
    }

    /**
     * Each handler admitted at start whose name a handler of another JAR has too is refused, in
     * every JAR that has it; a plugin left with no handler is unloaded. Their names stay claimed.
     */
    private void refuseHandlersOfSameName() {
        List<Claimants.NameClaim> all = new ArrayList<>();
        installed.values().forEach(p -> p.handlers().forEach(h -> all.add(nameClaim(p.source(), h))));
        Map<Claimants.NameClaim, List<Claimants.NameClaim>> sameName = Claimants.ofSameName(all);
        if (sameName.isEmpty()) {
            return;
        }
        for (InstalledPlugin plugin : List.copyOf(installed.values())) {
            List<LoadedHandler> keep = new ArrayList<>();
            for (LoadedHandler h : plugin.handlers()) {
                Claimants.NameClaim claim = nameClaim(plugin.source(), h);
                List<Claimants.NameClaim> rivals = sameName.get(claim);
                if (rivals == null) {
                    keep.add(h);
                } else {
                    refusals.record(
                            plugin.source(),
                            new AdmissionException(
                                    Stage.HANDLER,
                                    plugin.pluginId(),
                                    h.name(),
                                    Claimants.sameNameRefusal(claim, rivals),
                                    null));
                }
            }
            if (keep.size() == plugin.handlers().size()) {
                continue;
            }
            handlers.removeIf(h -> h.pluginId().equals(plugin.pluginId()));
            if (keep.isEmpty()) {
                unload(plugin, false);
                continue;
            }
            handlers.addAll(keep);
            installed.put(
                    plugin.source(),
                    new InstalledPlugin(
                            plugin.source(),
                            plugin.pluginId(),
                            plugin.version(),
                            plugin.sha256(),
                            plugin.staged(),
                            keep));
            runningRefusals.put(plugin.source(), refusals.of(plugin.source()));
        }
    }

    private static Claimants.IdClaim idClaim(String source, PluginDescriptor descriptor) {
        return new Claimants.IdClaim(source, descriptor.getPluginId(), descriptor.getVersion());
    }

    private static Claimants.NameClaim nameClaim(String source, LoadedHandler h) {
        return new Claimants.NameClaim(source, h.name(), h.handler().getClass().getName(), h.pluginId());
    }

    private static void announce(InstalledPlugin plugin) {
        LOG.info(
                "plugin {} {} started with {} handler(s) from {} (sha256 {})",
                plugin.pluginId(),
                plugin.version(),
                plugin.handlers().size(),
                plugin.source(),
                plugin.sha256().substring(0, 12));
    }

    /**
     * A new attempt to admit a JAR: what was found of it before no longer holds.
     *
     * @return its copy in the staging area
     * @throws AdmissionException when it cannot be made (recorded)
     */
    private StagedJar stageForAttempt(String source, Path jar) {
        refusals.clear(source);
        claims.forget(source);
        try {
            StagedJar staged = StagingArea.stage(staging, jar);
            attempted.put(source, staged.sha256());
            return staged;
        } catch (IOException e) {
            attempted.remove(source);
            AdmissionException refused = new AdmissionException(
                    Stage.READ, null, null, "cannot copy it to the staging area " + staging + ": " + rootMessage(e), e);
            refusals.record(source, refused);
            throw refused;
        }
    }

    /** Its descriptor, once it passed the checks before loading: from then on it claims its plugin id. */
    private PluginDescriptor inspect(String source, StagedJar staged) {
        PluginDescriptor descriptor = inspector.inspect(staged);
        claims.claimId(source, descriptor);
        return descriptor;
    }

    /**
     * Copies a JAR of the plugins directory to the staging area and admits the copy.
     *
     * @return the installed plugin
     * @throws AdmissionException when it was refused (also recorded, see {@link #failures()})
     */
    public synchronized InstalledPlugin install(Path jar) {
        String source = jar.getFileName().toString();
        StagedJar staged = stageForAttempt(source, jar);
        try {
            return installStaged(source, staged);
        } catch (AdmissionException refused) {
            StagingArea.delete(staged.path());
            throw refused;
        }
    }

    /**
     * Checks a JAR without loading it (readable, descriptor, shared libraries, allow-list, the
     * operator's config keys against the {@code reference.conf} read from it as data). A refusal is recorded as the JAR's latest, in place of what was said of its earlier content.
     *
     * @throws AdmissionException when it would be refused
     */
    public synchronized void precheck(Path jar) {
        String source = jar.getFileName().toString();
        try {
            StagedJar staged;
            try {
                staged = StagingArea.stage(staging, jar);
            } catch (IOException e) {
                throw new AdmissionException(Stage.READ, null, null, "cannot read it: " + rootMessage(e), e);
            }
            try {
                String pluginId = inspector.inspect(staged).getPluginId();
                configs.assemble(pluginId, PluginConfigs.defaultsIn(staged.path(), pluginId));
            } finally {
                StagingArea.delete(staged.path());
            }
        } catch (AdmissionException refused) {
            refusals.clear(source);
            refusals.record(source, refused);
            throw refused;
        }
    }

    /** Records a refusal of a JAR found before its admission began (e.g. its config cannot be read again). */
    public synchronized void refuse(String source, AdmissionException refused) {
        refusals.clear(source);
        refusals.record(source, refused);
    }

    /**
     * Re-admits a plugin from its still-staged copy (used to restore the old version after a failed
     * swap), with the config it ran with: the config file's new reading may be what refused the new
     * version (a setting its start hook rejects), and would refuse the old one too. The refusals of
     * the newer JAR stay recorded (they are still true of the JAR in the directory), followed by
     * those of the restored version.
     *
     * @throws AdmissionException when even the old version is refused now
     */
    synchronized InstalledPlugin reinstall(InstalledPlugin old) {
        List<PluginFailure> newer = refusals.of(old.source());
        refusals.clear(old.source());
        Config ranWith = old.handlers().get(0).pluginConfig();
        try {
            return installStaged(old.source(), new StagedJar(old.staged(), old.sha256()), ranWith);
        } finally {
            List<PluginFailure> both = new ArrayList<>(newer);
            refusals.of(old.source()).stream().filter(f -> !newer.contains(f)).forEach(both::add);
            refusals.set(old.source(), both);
        }
    }

    private InstalledPlugin installStaged(String source, StagedJar staged) {
        return installStaged(source, staged, null);
    }

    /**
     * Admits a staged JAR beside the plugins running: a plugin id or a handler name that another
     * JAR of the directory claims refuses it (see {@link Claimants}); a running one keeps running.
     *
     * @param fixedConfig the plugin config to admit with, or null for the operator's current one
     */
    private InstalledPlugin installStaged(String source, StagedJar staged, Config fixedConfig) {
        try {
            PluginDescriptor descriptor = inspect(source, staged);
            claims.refuseIfIdClaimed(source, descriptor, installed);
            InstalledPlugin plugin =
                    admit(source, staged, descriptor, fixedConfig, claims.namesClaimedBesides(source, installed));
            announce(plugin);
            return plugin;
        } catch (AdmissionException refused) {
            refusals.record(source, refused);
            throw refused;
        }
    }

    /**
     * @param namesTaken handler names its handlers may not have (see {@link DirectoryClaims#namesClaimedBesides});
     *     none at start, where handlers of one name are refused once all are in
     */
    private InstalledPlugin admit(
            String source,
            StagedJar staged,
            PluginDescriptor descriptor,
            Config fixedConfig,
            Map<String, DirectoryClaims.NameTaken> namesTaken) {
        String pluginId = descriptor.getPluginId();
        PluginWrapper plugin = manager.load(staged.path(), pluginId);
        List<LoadedHandler> admitted;
        try {
            start(plugin);
            Config pluginConfig =
                    fixedConfig != null ? fixedConfig : configs.assemble(pluginId, plugin.getPluginClassLoader());
            admitted = admitHandlers(source, plugin, pluginConfig, namesTaken);
        } catch (AdmissionException refused) {
            unload(pluginId);
            throw refused;
        } catch (RuntimeException | LinkageError e) {
            // Whatever else a plugin's classes throw while admitted refuses this JAR, never the
            // runtime, and leaves nothing of it loaded (a plugin left in PF4J blocks its id).
            unload(pluginId);
            throw new AdmissionException(
                    Stage.LOAD, pluginId, null, "cannot be admitted: " + ClassLoadFailure.reason(e), e);
        }
        String version = plugin.getDescriptor().getVersion();
        handlers.addAll(admitted);
        InstalledPlugin result =
                new InstalledPlugin(source, pluginId, version, staged.sha256(), staged.path(), admitted);
        installed.put(source, result);
        runningRefusals.put(source, refusals.of(source));
        return result;
    }

    private void start(PluginWrapper plugin) {
        String pluginId = plugin.getPluginId();
        PluginState state;
        try {
            state = manager.startPlugin(pluginId);
        } catch (RuntimeException e) {
            throw new AdmissionException(
                    Stage.START, pluginId, null, "its Plugin class failed to start: " + ClassLoadFailure.reason(e), e);
        }
        if (state != PluginState.STARTED) {
            // A Plugin-Class built for a newer Java lands here: PF4J catches the LinkageError and marks it FAILED.
            String why = plugin.getFailedException() == null
                    ? "state " + state
                    : ClassLoadFailure.reason(plugin.getFailedException());
            throw AdmissionException.refused(Stage.START, pluginId, "did not start: " + why);
        }
    }

    /**
     * Admits the plugin's handlers; the names of those admitted, and of those refused because
     * another JAR claims their name, are the plugin's claims from now on.
     *
     * @throws AdmissionException when no handler of the plugin is admitted
     */
    private List<LoadedHandler> admitHandlers(
            String source,
            PluginWrapper plugin,
            Config pluginConfig,
            Map<String, DirectoryClaims.NameTaken> namesTaken) {
        String pluginId = plugin.getPluginId();
        List<Class<? extends EventHandler>> types = HandlerClasses.ofStarted(manager, pluginId);
        List<AdmissionException> refused = new ArrayList<>(HandlerClasses.unloadable(manager, plugin, types));
        HandlerAdmission.Result result = handlerAdmission.admit(
                pluginId,
                plugin.getDescriptor().getVersion(),
                plugin.getPluginClassLoader(),
                types,
                pluginConfig,
                namesTaken.entrySet().stream()
                        .collect(Collectors.toMap(
                                Map.Entry::getKey, e -> e.getValue().why())));
        refused.addAll(result.refused());
        refused.forEach(r -> refusals.record(source, r));
        List<Claimants.NameClaim> names = new ArrayList<>();
        Set<String> yieldsTo = new HashSet<>();
        result.admitted().forEach(h -> names.add(nameClaim(source, h)));
        for (AdmissionException r : result.refused()) {
            DirectoryClaims.NameTaken taken = namesTaken.get(r.handler());
            if (taken != null) {
                names.add(new Claimants.NameClaim(source, r.handler(), null, pluginId));
                if (taken.runningFrom() != null) {
                    yieldsTo.add(taken.runningFrom());
                }
            }
        }
        claims.claimNames(source, pluginId, plugin.getDescriptor().getVersion(), names, yieldsTo);
        if (!result.admitted().isEmpty()) {
            return result.admitted();
        }
        throw HandlerClasses.noneAdmitted(pluginId, refused);
    }

    private void unload(String pluginId) {
        try {
            manager.unloadPlugin(pluginId);
        } catch (RuntimeException e) {
            LOG.warn("plugin {} could not be unloaded cleanly: {}", pluginId, rootMessage(e));
        }
    }

    /**
     * Plugin JARs and handlers refused: per JAR file, the refusals of the latest attempt to admit
     * its content (see {@link Refusals}).
     */
    public List<PluginFailure> failures() {
        return refusals.all();
    }

    /** The refusals of one JAR file of the plugins directory. */
    List<PluginFailure> failures(String source) {
        return refusals.of(source);
    }

    /** Threads left running by plugins after they stopped, by "plugin-id version". */
    public synchronized Map<String, List<String>> leakedThreads() {
        return Map.copyOf(leakedThreads);
    }

    /**
     * The JAR in the plugins directory is the running version's again (a refused replacement was
     * undone by copying the old JAR back): what is shown of it is what its own admission found, not
     * the refusal of the content it replaced.
     */
    public synchronized void runningVersionIsBack(String source) {
        refusals.set(source, runningRefusals.getOrDefault(source, List.of()));
    }

    /**
     * Forgets what was found of a JAR that was removed from the plugins directory: its refusals and
     * its claims (see {@link #rivalsOf}).
     */
    public synchronized void forgetFailure(String source) {
        refusals.clear(source);
        claims.forget(source);
        attempted.remove(source);
    }

    /**
     * The other JARs that claim a plugin id or a handler name this JAR claims (see {@link
     * Claimants}): those whose refusal may not hold once this one is gone or changed.
     */
    public synchronized Set<String> rivalsOf(String source) {
        return claims.rivalsOf(source);
    }

    /**
     * The JARs refused as a whole, each to the checksum of the content refused: what is known of
     * them until that content changes.
     */
    public synchronized Map<String, String> refusedContent() {
        Map<String, String> refused = new HashMap<>();
        for (PluginFailure f : refusals.all()) {
            String sha = attempted.get(f.source());
            if (sha != null && !installed.containsKey(f.source())) {
                refused.put(f.source(), sha);
            }
        }
        return refused;
    }

    /** Handlers of the installed plugins. */
    public synchronized List<LoadedHandler> handlers() {
        return List.copyOf(handlers);
    }

    /** Installed plugins by JAR file name. */
    public synchronized Map<String, InstalledPlugin> installed() {
        return Map.copyOf(installed);
    }

    /**
     * Stops and unloads the plugin installed from a JAR: its class loader is closed and dropped (so
     * it can be collected), threads it left running are reported.
     *
     * @param keepStaged keep the staged copy (to restore this version if its replacement fails)
     */
    public synchronized void uninstall(String source, boolean keepStaged) {
        InstalledPlugin plugin = installed.get(source);
        if (plugin == null) {
            return;
        }
        unload(plugin, keepStaged);
        LOG.info("plugin {} {} unloaded ({})", plugin.pluginId(), plugin.version(), source);
    }

    private void unload(InstalledPlugin plugin, boolean keepStaged) {
        installed.remove(plugin.source());
        runningRefusals.remove(plugin.source());
        handlers.removeIf(h -> h.pluginId().equals(plugin.pluginId()));
        ClassLoader loader =
                plugin.handlers().isEmpty() ? null : plugin.handlers().get(0).classLoader();
        try {
            manager.stopPlugin(plugin.pluginId());
        } catch (RuntimeException e) {
            LOG.warn("plugin {} failed to stop cleanly: {}", plugin.pluginId(), rootMessage(e));
        }
        unload(plugin.pluginId());
        if (loader != null) {
            List<String> leaked = LeakedThreads.report(plugin.pluginId(), loader, plugin.staged());
            if (!leaked.isEmpty()) {
                leakedThreads.put(plugin.pluginId() + " " + plugin.version(), leaked);
            }
        }
        if (!keepStaged) {
            StagingArea.delete(plugin.staged());
        }
    }

    /** Deletes a staged copy kept by {@link #uninstall(String, boolean)}. */
    void discardStaged(InstalledPlugin plugin) {
        StagingArea.delete(plugin.staged());
    }

    /**
     * Deletes a temporary staging area of a host stuck in a plugin's code that never returns (a
     * throwaway host of an admission check that gave up on it): that thread holds the host's lock,
     * so {@link #close} would wait for ever, and the directory would stay until the next start on
     * this machine after this process ended, if any. Nothing of the host writes there again; the
     * stuck plugin's class loader reads its staged JAR through the file it holds open, which Linux
     * and macOS keep readable once removed. Not synchronized, for that reason.
     */
    void deleteStagingOfStuckHost() {
        StagingArea.deleteIfTemporary(staging, settings.stagingDir().isEmpty());
    }

    @Override
    public synchronized void close() {
        for (String source : List.copyOf(installed.keySet())) {
            uninstall(source, false); // stops, unloads and reports threads each plugin left running
        }
        // One at a time: PF4J 3.15's stopPlugins() can throw ConcurrentModificationException (pf4j#656).
        for (PluginWrapper plugin : List.copyOf(manager.getPlugins())) {
            unload(plugin.getPluginId());
        }
        handlers.clear();
        StagingArea.deleteIfTemporary(staging, settings.stagingDir().isEmpty());
    }
}
