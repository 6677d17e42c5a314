package dev.eventbus.runtime.plugin;

import dev.eventbus.api.EventHandler;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.pf4j.PluginWrapper;

/**
 * The handler classes of a plugin as admission finds them in its extension index ({@code
 * META-INF/extensions.idx}): those that load as {@link EventHandler}s, a refusal for each listed
 * class that cannot be loaded, and the refusal of the whole JAR when none loads. The plugin host
 * and {@link PluginJarCheck} (the views without a runtime) both judge by these rules, so they
 * cannot come to say different things of a JAR whose handler class is missing.
 *
 * <p>Stateless; thread-safe (each call drives the caller's PF4J manager, under the caller's lock).
 */
final class HandlerClasses {

    private HandlerClasses() {}

    /** PF4J's handler classes of a started plugin (PF4J's finder finds none in a plugin not started). */
    static List<Class<? extends EventHandler>> ofStarted(EventbusPluginManager manager, String pluginId) {
        try {
            return manager.getExtensionClasses(EventHandler.class, pluginId);
        } catch (RuntimeException | LinkageError e) {
            throw cannotLoad(pluginId, e);
        }
    }

    /**
     * The handler classes of a plugin loaded but not started, as {@link #ofStarted} would find them:
     * the listed classes that load, each loaded as PF4J's finder loads it and kept if it is an
     * {@link EventHandler}. Loading does not initialize a class: no plugin code runs.
     */
    static List<Class<? extends EventHandler>> ofLoaded(EventbusPluginManager manager, String pluginId) {
        ClassLoader loader = manager.getPluginClassLoader(pluginId);
        List<Class<? extends EventHandler>> found = new ArrayList<>();
        try {
            for (String name : manager.loadableExtensionClassNames(pluginId)) {
                Class<?> type = loader.loadClass(name);
                if (EventHandler.class.isAssignableFrom(type)) {
                    found.add(type.asSubclass(EventHandler.class));
                }
            }
        } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
            throw cannotLoad(pluginId, e);
        }
        return found;
    }

    /**
     * The extensions the plugin's index lists that are not among {@code found} because their class
     * cannot be loaded (a class it needs is missing from the JAR, or belongs to the runtime; {@link
     * LoadableExtensionFinder} leaves them out before PF4J would log them with a stack trace): each
     * refused by name, so such a handler does not silently not run beside its plugin's others, nor
     * its plugin get refused as having no handler at all.
     */
    static List<AdmissionException> unloadable(
            EventbusPluginManager manager, PluginWrapper plugin, List<Class<? extends EventHandler>> found) {
        String pluginId = plugin.getPluginId();
        Set<String> loaded = new HashSet<>();
        found.forEach(type -> loaded.add(type.getName()));
        List<AdmissionException> refused = new ArrayList<>();
        for (String name : manager.indexedExtensionClassNames(pluginId)) {
            if (loaded.contains(name)) {
                continue;
            }
            try {
                Class.forName(name, false, plugin.getPluginClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                refused.add(new AdmissionException(
                        Stage.HANDLER,
                        pluginId,
                        name,
                        "handler class " + name + " cannot be loaded: " + ClassLoadFailure.reason(e)
                                + " (is every class it needs packed into the plugin JAR?)",
                        e));
            }
        }
        return refused;
    }

    /**
     * The refusal of a plugin none of whose handlers is admitted: the latest of its handlers'
     * refusals (each is recorded too), or that it has no handler.
     */
    static AdmissionException noneAdmitted(String pluginId, List<AdmissionException> refused) {
        if (!refused.isEmpty()) {
            return refused.get(refused.size() - 1);
        }
        return AdmissionException.refused(
                Stage.HANDLER,
                pluginId,
                "contains no EventHandler extension (is the class "
                        + "annotated @org.pf4j.Extension and was the PF4J annotation processor run?)");
    }

    private static AdmissionException cannotLoad(String pluginId, Throwable e) {
        return new AdmissionException(
                Stage.LOAD, pluginId, null, "its handler classes cannot be loaded: " + ClassLoadFailure.reason(e), e);
    }
}
