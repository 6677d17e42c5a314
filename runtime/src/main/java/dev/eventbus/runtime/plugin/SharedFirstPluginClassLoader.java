package dev.eventbus.runtime.plugin;

import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * A plugin's class loader: the shared libraries come from the runtime (parent-first), everything
 * else from the plugin's own JAR first. Two plugins can therefore bundle different versions of the
 * same private library, while both see the runtime's one {@code io.grpc.Channel}.
 */
final class SharedFirstPluginClassLoader extends PluginClassLoader {

    static {
        ClassLoader.registerAsParallelCapable();
    }

    SharedFirstPluginClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent);
    }

    @Override
    protected boolean shouldDelegateToParent(String className) {
        return SharedLibraries.isShared(className) || super.shouldDelegateToParent(className);
    }
}
