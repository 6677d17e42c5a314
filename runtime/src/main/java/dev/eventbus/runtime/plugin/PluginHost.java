package dev.eventbus.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import java.io.IOException;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import static dev.eventbus.runtime.internal.Errors.rootMessage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the plugin JARs of the plugins directory and admits their handlers. Each JAR is checked
 * on its own, so one broken plugin is refused with its reason while the others run: a corrupt or
 * truncated JAR, a missing descriptor, an unmet {@code Plugin-Requires}, a bundled copy of a
 * shared library, a handler class that cannot be created, an invalid declaration, a declared
 * gRPC service with no configured target, or plugin config keys the plugin does not define.
 *
 * <p>Owns the PF4J manager and so every plugin class loader. Not thread-safe: driven by the
 * runtime's start and stop.
 */
public final class PluginHost implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);

    private final Path pluginsDir;
    private final RuntimeConfig config;
    private final RpcChannelRegistry rpc;
    private final PluginManager manager;
    private final Path staging;
    private final List<LoadedHandler> handlers = new ArrayList<>();
    private final Map<String, PluginFailure> failures = new LinkedHashMap<>();
    private final Map<String, InstalledPlugin> installed = new LinkedHashMap<>();
    private final Map<String, List<String>> leakedThreads = new LinkedHashMap<>();

    public PluginHost(Path pluginsDir, String apiVersion, RuntimeConfig config, RpcChannelRegistry rpc) {
        this.pluginsDir = pluginsDir;
        this.config = config;
        this.rpc = rpc;
        this.manager = new EventbusPluginManager(pluginsDir, apiVersion);
        this.staging = StagingArea.create(config.pluginHost().stagingDir());
        // The JDK caches JarFiles opened through jar: URLs (PF4J reads extension indexes that way);
        // a cached JarFile keeps an unloaded plugin's file open and its class loader's JAR in use.
        URLConnection.setDefaultUseCaches("jar", false);
    }

    /** Loads and starts every plugin JAR; returns the admitted handlers. */
    public synchronized List<LoadedHandler> start() {
        if (!Files.isDirectory(pluginsDir)) {
            LOG.warn("plugins directory {} does not exist: no handlers will run", pluginsDir.toAbsolutePath());
            return List.of();
        }
        List<Path> jars;
        try (Stream<Path> files = Files.list(pluginsDir)) {
            jars = files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            refuse(pluginsDir.toString(), null, "cannot list the plugins directory: " + e.getMessage());
            return List.of();
        }
        for (Path jar : jars) {
            install(jar);
        }
        LOG.info("plugins: {} handler(s) admitted from {} JAR(s), {} refused",
                handlers.size(), jars.size(), failures.size());
        return List.copyOf(handlers);
    }

    /**
     * Copies a JAR of the plugins directory to the staging area and admits the copy.
     *
     * @return the installed plugin, or empty when it was refused (see {@link #failures()})
     */
    public synchronized Optional<InstalledPlugin> install(Path jar) {
        String source = jar.getFileName().toString();
        StagedJar staged;
        try {
            staged = StagingArea.stage(staging, jar);
        } catch (IOException e) {
            refuse(source, null, "cannot copy it to the staging area " + staging + ": " + rootMessage(e));
            return Optional.empty();
        }
        Optional<InstalledPlugin> result = installStaged(source, staged);
        if (result.isEmpty()) {
            StagingArea.delete(staged.path());
        }
        return result;
    }

    /** Checks a JAR without loading it (descriptor, shared libraries, allow-list). */
    public synchronized Optional<PluginFailure> precheck(Path jar) {
        String source = jar.getFileName().toString();
        try {
            StagedJar staged = StagingArea.stage(staging, jar);
            try {
                String id = inspect(staged.path());
                allowed(staged, id);
                return Optional.empty();
            } finally {
                StagingArea.delete(staged.path());
            }
        } catch (AdmissionException e) {
            return Optional.of(new PluginFailure(source, e.pluginId, e.getMessage()));
        } catch (IOException e) {
            return Optional.of(new PluginFailure(source, null, "cannot read it: " + rootMessage(e)));
        }
    }

    /** Re-admits a plugin from its still-staged copy (used to restore the old version after a failed swap). */
    synchronized Optional<InstalledPlugin> reinstall(InstalledPlugin old) {
        PluginFailure newVersionFailure = failures.get(old.source());
        Optional<InstalledPlugin> restored = installStaged(old.source(), new StagedJar(old.staged(), old.sha256()));
        if (newVersionFailure != null) {
            failures.put(old.source(), newVersionFailure); // still true of the JAR in the directory
        }
        return restored;
    }

    private Optional<InstalledPlugin> installStaged(String source, StagedJar staged) {
        Path jar = staged.path();
        String declaredId;
        try {
            declaredId = inspect(jar);
            allowed(staged, declaredId);
        } catch (AdmissionException e) {
            refuse(source, e.pluginId, e.getMessage());
            return Optional.empty();
        }
        for (InstalledPlugin other : installed.values()) {
            if (other.pluginId().equals(declaredId) && !other.source().equals(source)) {
                refuse(source, declaredId, "plugin id '" + declaredId + "' is already installed from " + other.source());
                return Optional.empty();
            }
        }
        String pluginId;
        try {
            pluginId = manager.loadPlugin(jar);
        } catch (RuntimeException e) {
            refuse(source, declaredId, "PF4J cannot load it: " + rootMessage(e));
            return Optional.empty();
        }
        PluginWrapper plugin = manager.getPlugin(pluginId);
        String requires = plugin.getDescriptor().getRequires();
        if (!manager.getVersionManager().checkVersionConstraint(manager.getSystemVersion(), requires)) {
            unload(pluginId);
            refuse(source, pluginId, "requires plugin-api " + requires + " but this runtime provides "
                    + manager.getSystemVersion());
            return Optional.empty();
        }
        PluginState state;
        try {
            state = manager.startPlugin(pluginId);
        } catch (RuntimeException e) {
            unload(pluginId);
            refuse(source, pluginId, "its Plugin class failed to start: " + rootMessage(e));
            return Optional.empty();
        }
        if (state != PluginState.STARTED) {
            String why = plugin.getFailedException() == null ? "state " + state : rootMessage(plugin.getFailedException());
            unload(pluginId);
            refuse(source, pluginId, "did not start: " + why);
            return Optional.empty();
        }
        Config pluginConfig;
        try {
            pluginConfig = pluginConfig(pluginId, plugin.getPluginClassLoader());
        } catch (AdmissionException e) {
            unload(pluginId);
            refuse(source, pluginId, e.getMessage());
            return Optional.empty();
        }
        List<LoadedHandler> admittedHandlers = admitHandlers(source, plugin, pluginConfig);
        int admitted = admittedHandlers.size();
        if (admitted == 0) {
            unload(pluginId);
            if (failures.values().stream().noneMatch(f -> pluginId.equals(f.pluginId()))) {
                refuse(source, pluginId, "contains no EventHandler extension (is the class annotated "
                        + "@org.pf4j.Extension and was the PF4J annotation processor run?)");
            }
            return Optional.empty();
        }
        LOG.info("plugin {} {} started with {} handler(s) from {} (sha256 {})", pluginId,
                plugin.getDescriptor().getVersion(), admitted, source, staged.sha256().substring(0, 12));
        failures.remove(source);
        InstalledPlugin result = new InstalledPlugin(source, pluginId, plugin.getDescriptor().getVersion(),
                staged.sha256(), jar, admittedHandlers);
        installed.put(source, result);
        return Optional.of(result);
    }

    /** Checks the JAR before PF4J touches it; returns the declared plugin id. */
    private String inspect(Path jar) throws AdmissionException {
        try (JarFile file = new JarFile(jar.toFile(), true)) {
            var manifest = file.getManifest();
            String id = manifest == null ? null : manifest.getMainAttributes().getValue("Plugin-Id");
            if (id == null || id.isBlank()) {
                throw new AdmissionException(null,
                        "no PF4J descriptor: META-INF/MANIFEST.MF has no Plugin-Id (build it with eventbus-plugin-parent)");
            }
            String version = manifest.getMainAttributes().getValue(new Attributes.Name("Plugin-Version"));
            if (version == null || version.isBlank()) {
                throw new AdmissionException(id, "no Plugin-Version in META-INF/MANIFEST.MF");
            }
            var entries = file.entries();
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                if (SharedLibraries.isSharedClassEntry(entry.getName())) {
                    throw new AdmissionException(id, "bundles a copy of a library the runtime shares ("
                            + entry.getName() + "); declare plugin-api, gRPC, protobuf, SLF4J and Typesafe "
                            + "Config with provided scope");
                }
            }
            return id;
        } catch (IOException | SecurityException e) {
            throw new AdmissionException(null, "not a readable JAR (corrupt or truncated?): " + rootMessage(e));
        }
    }

    private Config pluginConfig(String pluginId, ClassLoader loader) throws AdmissionException {
        String path = ConfigUtil.joinPath("eventbus", "plugins", pluginId);
        Config defaults = ConfigFactory.empty();
        URL reference = loader instanceof URLClassLoader ucl ? ucl.findResource("reference.conf") : null;
        if (reference != null) {
            Config parsed = parseWithoutCaching(reference);
            if (parsed.hasPath(path)) {
                defaults = parsed.getConfig(path);
            }
        }
        Config operator = config.pluginConfig(pluginId);
        List<String> unknown = new ArrayList<>();
        for (var entry : operator.entrySet()) {
            if (!defaults.hasPathOrNull(entry.getKey())) {
                unknown.add("'" + path + "." + entry.getKey() + "' (" + entry.getValue().origin().description() + ")");
            }
        }
        if (!unknown.isEmpty()) {
            throw new AdmissionException(pluginId, "config has keys the plugin does not define in its reference.conf: "
                    + String.join(", ", unknown));
        }
        return operator.withFallback(defaults).resolve();
    }

    /** Reads a resource of a plugin JAR without the JDK's JAR cache, which would keep the file open. */
    private static Config parseWithoutCaching(URL url) throws AdmissionException {
        try {
            var connection = url.openConnection();
            connection.setUseCaches(false);
            try (var reader = new java.io.InputStreamReader(connection.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)) {
                return ConfigFactory.parseReader(reader).resolve();
            }
        } catch (IOException | com.typesafe.config.ConfigException e) {
            throw new AdmissionException(null, "its reference.conf cannot be read: " + rootMessage(e));
        }
    }

    private List<LoadedHandler> admitHandlers(String source, PluginWrapper plugin, Config pluginConfig) {
        String pluginId = plugin.getPluginId();
        List<LoadedHandler> admitted = new ArrayList<>();
        for (Class<? extends EventHandler> type : manager.getExtensionClasses(EventHandler.class, pluginId)) {
            EventHandler handler;
            HandlerSpec spec;
            try {
                handler = type.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                refuse(source, pluginId, "handler class " + type.getName() + " cannot be created: " + rootMessage(e));
                continue;
            }
            try {
                spec = handler.spec();
            } catch (RuntimeException | LinkageError e) {
                refuse(source, pluginId, "handler class " + type.getName() + ": spec() failed: " + rootMessage(e));
                continue;
            }
            String problem = problemWith(spec);
            if (problem != null) {
                refuse(source, pluginId, "handler '" + (spec == null ? type.getName() : spec.name()) + "': " + problem);
                continue;
            }
            LoadedHandler loaded = new LoadedHandler(handler, spec, pluginId, plugin.getDescriptor().getVersion(),
                    plugin.getPluginClassLoader(), pluginConfig);
            handlers.add(loaded);
            admitted.add(loaded);
        }
        return admitted;
    }

    private String problemWith(HandlerSpec spec) {
        if (spec == null) {
            return "spec() returned null";
        }
        if (spec.subscriptions().isEmpty()) {
            return "consumes nothing: declare at least one stream and event type with consumes(...)";
        }
        Set<String> names = new HashSet<>();
        handlers.forEach(h -> names.add(h.name()));
        if (names.contains(spec.name())) {
            return "another handler already uses this name (handler names must be unique: they name consumer groups)";
        }
        if (config.handler(spec.name()).orderedBySubject()) {
            for (String stream : spec.subscriptions().keySet()) {
                if (config.partitionedStreams().containsKey(stream)) {
                    return "is ordered-by-subject and consumes partitioned stream '" + stream + "': ordering across "
                            + "partitions needs partition ownership, which this version does not have; set "
                            + "eventbus.handlers." + spec.name() + ".ordered-by-subject = false or consume an unpartitioned stream";
                }
            }
        }
        for (String service : spec.services()) {
            if (!rpc.isConfigured(service)) {
                return "declares gRPC service '" + service + "' but it has no target: add eventbus.grpc.services.\""
                        + service + "\".target to the runtime config";
            }
        }
        return null;
    }

    private void unload(String pluginId) {
        try {
            manager.unloadPlugin(pluginId);
        } catch (RuntimeException e) {
            LOG.warn("plugin {} could not be unloaded cleanly: {}", pluginId, rootMessage(e));
        }
    }

    private void refuse(String source, String pluginId, String reason) {
        PluginFailure failure = new PluginFailure(source, pluginId, reason);
        failures.merge(source, failure, (a, b) -> b.reason().equals(a.reason()) ? a : b);
        LOG.error("plugin refused: {}", failure);
    }

    /** Plugins and handlers refused, latest per JAR file; cleared when a JAR is admitted again. */
    public synchronized List<PluginFailure> failures() {
        return List.copyOf(failures.values());
    }

    /** Threads left running by plugins after they stopped, by "plugin-id version". */
    public synchronized Map<String, List<String>> leakedThreads() {
        return Map.copyOf(leakedThreads);
    }

    /** Forgets the failure of a JAR that was removed from the plugins directory. */
    public synchronized void forgetFailure(String source) {
        failures.remove(source);
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
        InstalledPlugin plugin = installed.remove(source);
        if (plugin == null) {
            return;
        }
        handlers.removeIf(h -> h.pluginId().equals(plugin.pluginId()));
        ClassLoader loader = plugin.handlers().isEmpty() ? null : plugin.handlers().get(0).classLoader();
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
        LOG.info("plugin {} {} unloaded ({})", plugin.pluginId(), plugin.version(), source);
    }

    /** Deletes a staged copy kept by {@link #uninstall(String, boolean)}. */
    void discardStaged(InstalledPlugin plugin) {
        StagingArea.delete(plugin.staged());
    }

    private void allowed(StagedJar staged, String pluginId) throws AdmissionException {
        var allowList = config.pluginHost().allowList();
        if (allowList.isEmpty()) {
            return;
        }
        String version;
        try (JarFile file = new JarFile(staged.path().toFile())) {
            version = file.getManifest().getMainAttributes().getValue("Plugin-Version");
        } catch (IOException e) {
            throw new AdmissionException(pluginId, "cannot read it: " + rootMessage(e));
        }
        for (var entry : allowList) {
            if (entry.matches(pluginId, version, staged.sha256())) {
                return;
            }
        }
        throw new AdmissionException(pluginId, "not on eventbus.plugin-host.allow-list (id " + pluginId + ", version "
                + version + ", sha256 " + staged.sha256() + ")");
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
        StagingArea.deleteIfTemporary(staging, config.pluginHost().stagingDir().isEmpty());
    }



    private static final class AdmissionException extends Exception {
        private final String pluginId;

        AdmissionException(String pluginId, String message) {
            super(message);
            this.pluginId = pluginId;
        }
    }
}
