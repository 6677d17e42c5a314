package dev.eventbus.runtime.plugin;

import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * A plugin's class loader: the shared libraries come from the runtime (parent-first), everything
 * else from the plugin's own JAR first. Two plugins can therefore bundle different versions of the
 * same private library, while both see the runtime's one {@code io.grpc.Channel}.
 *
 * <p>The runtime's own classes ({@code dev.eventbus.runtime.*}) are never handed to a plugin: with
 * them a plugin could read the whole configuration (secrets included) or drive the runtime's
 * internals. This keeps an honest plugin from depending on internals by accident; it is no sandbox
 * (a plugin can still reach the runtime's class loader by reflection, see README "Security").
 *
 * <p>Thread-safe: registered as parallel capable; loading locks per class name.
 */
final class SharedFirstPluginClassLoader extends PluginClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    SharedFirstPluginClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent);
    }

    /** Package prefix (binary names) of the runtime itself, which no plugin gets. */
    static final String RUNTIME_PACKAGE = "dev.eventbus.runtime.";

    @Override
    public Class<?> loadClass(String className) throws ClassNotFoundException {
        if (!className.startsWith(RUNTIME_PACKAGE)) {
            return super.loadClass(className);
        }
        synchronized (getClassLoadingLock(className)) {
            Class<?> loaded = findLoadedClass(className);
            if (loaded != null) {
                return loaded;
            }
            try {
                return findClass(className); // the plugin's own class that happens to use the package name
            } catch (ClassNotFoundException notInThePlugin) {
                throw new ClassNotFoundException(className + " is part of the Eventbus runtime, which plugins cannot "
                        + "load: a plugin sees only dev.eventbus.api and the shared libraries ("
                        + String.join(", ", SharedLibraries.PACKAGES) + ") besides its own JAR");
            }
        }
    }

    @Override
    protected boolean shouldDelegateToParent(String className) {
        return SharedLibraries.isShared(className) || super.shouldDelegateToParent(className);
    }
}
