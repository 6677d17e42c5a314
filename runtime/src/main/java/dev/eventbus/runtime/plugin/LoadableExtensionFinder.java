package dev.eventbus.runtime.plugin;

import java.util.LinkedHashSet;
import java.util.Set;
import org.pf4j.LegacyExtensionFinder;
import org.pf4j.PluginManager;

/**
 * PF4J's finder of a plugin's {@code META-INF/extensions.idx}, which tries only the listed classes
 * that can be loaded. PF4J skips one that cannot by logging it at ERROR with its stack trace, and
 * the plugin host refuses that handler by name with the reason (see {@link
 * HandlerClasses#unloadable}): leaving it out here keeps the refusal the one line an operator
 * reads. PF4J's other errors (an extension of another class loader...) are still logged by PF4J.
 *
 * <p>Stateless beyond PF4J's cached index; driven under the plugin host's lock.
 */
final class LoadableExtensionFinder extends LegacyExtensionFinder {

    LoadableExtensionFinder(PluginManager manager) {
        super(manager);
    }

    /** The extensions the plugin's index lists whose class can be loaded. */
    @Override
    public Set<String> findClassNames(String pluginId) {
        Set<String> listed = indexed(pluginId);
        ClassLoader loader = pluginId == null ? null : pluginManager.getPluginClassLoader(pluginId);
        if (loader == null) {
            return listed;
        }
        Set<String> loadable = new LinkedHashSet<>();
        for (String name : listed) {
            try {
                loader.loadClass(name); // as PF4J loads it; other linkage errors reach the host from PF4J
                loadable.add(name);
            } catch (ClassNotFoundException | NoClassDefFoundError leftOut) {
                // What PF4J would log with its stack trace; the host refuses it by name.
            }
        }
        return loadable;
    }

    /** Every extension the plugin's index lists, loadable or not. */
    Set<String> indexed(String pluginId) {
        return super.findClassNames(pluginId);
    }
}
