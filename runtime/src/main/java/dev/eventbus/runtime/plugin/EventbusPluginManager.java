package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.net.URLConnection;
import java.nio.file.Path;
import java.util.Set;
import java.util.jar.Manifest;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.ExtensionFactory;
import org.pf4j.ExtensionFinder;
import org.pf4j.JarPluginLoader;
import org.pf4j.ManifestPluginDescriptorFinder;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginDescriptorFinder;
import org.pf4j.PluginLoader;
import org.pf4j.PluginWrapper;

/**
 * PF4J's manager with the runtime's rules, each at PF4J's own seam: JAR plugins only, described by
 * their manifest; each in a {@link SharedFirstPluginClassLoader}; a descriptor without id or
 * version, or whose {@code Plugin-Requires} the runtime's plugin-api version (the system version)
 * does not meet, refused before any class loader exists; extensions found by
 * {@link LoadableExtensionFinder}; handlers created by {@link HandlerFactory}. Every refusal is an
 * {@link AdmissionException}.
 *
 * <p>Not thread-safe, like PF4J's manager: the plugin host drives it under its lock.
 */
final class EventbusPluginManager extends DefaultPluginManager {

    private static final String NO_DESCRIPTOR =
            "no PF4J descriptor: META-INF/MANIFEST.MF has no Plugin-Id (build it with eventbus-plugin-parent)";

    private static final String NO_MANIFEST =
            "no PF4J descriptor: the JAR has no META-INF/MANIFEST.MF (build it with eventbus-plugin-parent)";

    EventbusPluginManager(Path pluginsDir, String apiVersion) {
        super(pluginsDir);
        setSystemVersion(apiVersion);
        // The JDK caches JarFiles opened through jar: URLs (PF4J reads extension indexes that way);
        // a cached JarFile keeps an unloaded plugin's file open and its class loader's JAR in use.
        URLConnection.setDefaultUseCaches("jar", false);
    }

    /**
     * Loads a JAR (its class loader made, none of its classes run) as the plugin {@code pluginId}
     * its descriptor names.
     *
     * @throws AdmissionException when PF4J cannot load it
     */
    PluginWrapper load(Path jar, String pluginId) {
        try {
            return getPlugin(loadPlugin(jar));
        } catch (AdmissionException refused) {
            throw refused;
        } catch (RuntimeException e) {
            throw new AdmissionException(Stage.LOAD, pluginId, null, "PF4J cannot load it: " + rootMessage(e), e);
        }
    }

    /**
     * The descriptor PF4J will load the JAR with, checked as {@link #loadPlugin} checks it, without
     * loading anything.
     *
     * @throws AdmissionException when it has no valid descriptor
     */
    PluginDescriptor describe(Path jar) {
        PluginDescriptor descriptor;
        try {
            descriptor = getPluginDescriptorFinder().find(jar);
        } catch (AdmissionException refused) {
            throw refused;
        } catch (RuntimeException e) {
            // Whatever PF4J throws on a JAR refuses that JAR: a crash here ended start and stalled hot reload.
            throw new AdmissionException(Stage.DESCRIPTOR, null, null, NO_DESCRIPTOR + " (" + rootMessage(e) + ")", e);
        }
        validatePluginDescriptor(descriptor);
        return descriptor;
    }

    @Override
    protected void validatePluginDescriptor(PluginDescriptor descriptor) {
        String id = descriptor.getPluginId();
        if (id == null || id.isBlank()) {
            throw AdmissionException.refused(Stage.DESCRIPTOR, null, NO_DESCRIPTOR);
        }
        String version = descriptor.getVersion();
        if (version == null || version.isBlank()) {
            throw AdmissionException.refused(Stage.DESCRIPTOR, id, "no Plugin-Version in META-INF/MANIFEST.MF");
        }
        String requires = descriptor.getRequires();
        boolean met;
        try {
            met = getVersionManager().checkVersionConstraint(getSystemVersion(), requires);
        } catch (RuntimeException e) {
            // jsemver's LexerException or UnexpectedTokenException: PF4J would throw it from loadPlugin.
            throw new AdmissionException(
                    Stage.DESCRIPTOR,
                    id,
                    null,
                    "Plugin-Requires '" + requires + "' cannot be read as a version range: " + rootMessage(e)
                            + " (eventbus-plugin-parent writes >=" + getSystemVersion() + " & <1.0.0)",
                    e);
        }
        if (!met) {
            throw AdmissionException.refused(
                    Stage.DESCRIPTOR,
                    id,
                    "requires plugin-api " + requires + " but this runtime provides " + getSystemVersion());
        }
    }

    @Override
    protected PluginDescriptorFinder createPluginDescriptorFinder() {
        return new ManifestPluginDescriptorFinder() {
            @Override
            protected Manifest readManifest(Path pluginPath) {
                Manifest manifest = super.readManifest(pluginPath);
                if (manifest == null) {
                    // PF4J would go on to fail with a NullPointerException naming nothing.
                    throw AdmissionException.refused(Stage.DESCRIPTOR, null, NO_MANIFEST);
                }
                return manifest;
            }
        };
    }

    @Override
    protected ExtensionFinder createExtensionFinder() {
        LoadableExtensionFinder finder = new LoadableExtensionFinder(this);
        addPluginStateListener(finder);
        return finder;
    }

    /**
     * Every extension class a plugin's index lists, including those {@link #getExtensionClasses}
     * leaves out because their class cannot be loaded.
     */
    Set<String> indexedExtensionClassNames(String pluginId) {
        return ((LoadableExtensionFinder) extensionFinder).indexed(pluginId);
    }

    /** The extension classes a plugin's index lists whose class can be loaded. */
    Set<String> loadableExtensionClassNames(String pluginId) {
        return extensionFinder.findClassNames(pluginId);
    }

    @Override
    protected ExtensionFactory createExtensionFactory() {
        return new HandlerFactory();
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new CompoundPluginLoader().add(new JarPluginLoader(this) {
            @Override
            protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                return new SharedFirstPluginClassLoader(
                        pluginManager, descriptor, getClass().getClassLoader());
            }
        });
    }
}
