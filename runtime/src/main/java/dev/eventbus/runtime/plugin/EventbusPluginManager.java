package dev.eventbus.runtime.plugin;

import java.nio.file.Path;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;

/**
 * PF4J's manager with the runtime's class loading: JAR plugins only, each in a
 * {@link SharedFirstPluginClassLoader}. The runtime declares its plugin-api version as the system
 * version, so PF4J refuses plugins whose {@code Plugin-Requires} it does not meet.
 */
final class EventbusPluginManager extends DefaultPluginManager {

    EventbusPluginManager(Path pluginsDir, String apiVersion) {
        super(pluginsDir);
        setSystemVersion(apiVersion);
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new CompoundPluginLoader().add(new JarPluginLoader(this) {
            @Override
            protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                return new SharedFirstPluginClassLoader(pluginManager, descriptor, getClass().getClassLoader());
            }
        });
    }
}
