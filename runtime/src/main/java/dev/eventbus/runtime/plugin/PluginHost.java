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
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
    private final List<LoadedHandler> handlers = new ArrayList<>();
    private final List<PluginFailure> failures = new ArrayList<>();

    public PluginHost(Path pluginsDir, String apiVersion, RuntimeConfig config, RpcChannelRegistry rpc) {
        this.pluginsDir = pluginsDir;
        this.config = config;
        this.rpc = rpc;
        this.manager = new EventbusPluginManager(pluginsDir, apiVersion);
    }

    /** Loads and starts every plugin JAR; returns the admitted handlers. */
    public List<LoadedHandler> start() {
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
            admit(jar);
        }
        LOG.info("plugins: {} handler(s) admitted from {} JAR(s), {} refused",
                handlers.size(), jars.size(), failures.size());
        return List.copyOf(handlers);
    }

    private void admit(Path jar) {
        String source = jar.getFileName().toString();
        String declaredId;
        try {
            declaredId = inspect(jar);
        } catch (AdmissionException e) {
            refuse(source, e.pluginId, e.getMessage());
            return;
        }
        String pluginId;
        try {
            pluginId = manager.loadPlugin(jar);
        } catch (RuntimeException e) {
            refuse(source, declaredId, "PF4J cannot load it: " + rootMessage(e));
            return;
        }
        PluginWrapper plugin = manager.getPlugin(pluginId);
        String requires = plugin.getDescriptor().getRequires();
        if (!manager.getVersionManager().checkVersionConstraint(manager.getSystemVersion(), requires)) {
            unload(pluginId);
            refuse(source, pluginId, "requires plugin-api " + requires + " but this runtime provides "
                    + manager.getSystemVersion());
            return;
        }
        PluginState state;
        try {
            state = manager.startPlugin(pluginId);
        } catch (RuntimeException e) {
            unload(pluginId);
            refuse(source, pluginId, "its Plugin class failed to start: " + rootMessage(e));
            return;
        }
        if (state != PluginState.STARTED) {
            String why = plugin.getFailedException() == null ? "state " + state : rootMessage(plugin.getFailedException());
            unload(pluginId);
            refuse(source, pluginId, "did not start: " + why);
            return;
        }
        Config pluginConfig;
        try {
            pluginConfig = pluginConfig(pluginId, plugin.getPluginClassLoader());
        } catch (AdmissionException e) {
            unload(pluginId);
            refuse(source, pluginId, e.getMessage());
            return;
        }
        int admitted = admitHandlers(source, plugin, pluginConfig);
        if (admitted == 0) {
            unload(pluginId);
            if (failures.stream().noneMatch(f -> pluginId.equals(f.pluginId()))) {
                refuse(source, pluginId, "contains no EventHandler extension (is the class annotated "
                        + "@org.pf4j.Extension and was the PF4J annotation processor run?)");
            }
            return;
        }
        LOG.info("plugin {} {} started with {} handler(s) from {}", pluginId,
                plugin.getDescriptor().getVersion(), admitted, source);
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
            Config parsed = ConfigFactory.parseURL(reference).resolve();
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

    private int admitHandlers(String source, PluginWrapper plugin, Config pluginConfig) {
        String pluginId = plugin.getPluginId();
        int admitted = 0;
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
            handlers.add(new LoadedHandler(handler, spec, pluginId, plugin.getDescriptor().getVersion(),
                    plugin.getPluginClassLoader(), pluginConfig));
            admitted++;
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
        failures.add(failure);
        LOG.error("plugin refused: {}", failure);
    }

    /** Plugins and handlers refused since start. */
    public List<PluginFailure> failures() {
        return List.copyOf(failures);
    }

    /** Handlers admitted since start. */
    public List<LoadedHandler> handlers() {
        return List.copyOf(handlers);
    }

    @Override
    public void close() {
        // One at a time: PF4J 3.15's stopPlugins() can throw ConcurrentModificationException (pf4j#656).
        for (PluginWrapper plugin : List.copyOf(manager.getStartedPlugins())) {
            try {
                manager.stopPlugin(plugin.getPluginId());
            } catch (RuntimeException e) {
                LOG.warn("plugin {} failed to stop cleanly: {}", plugin.getPluginId(), rootMessage(e));
            }
        }
        for (PluginWrapper plugin : List.copyOf(manager.getPlugins())) {
            unload(plugin.getPluginId());
        }
    }


    private static final class AdmissionException extends Exception {
        private final String pluginId;

        AdmissionException(String pluginId, String message) {
            super(message);
            this.pluginId = pluginId;
        }
    }
}
