package dev.eventbus.runtime.plugin;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds threads a plugin left running after it stopped: threads whose class or context class
 * loader is the plugin's. They keep the plugin's classes alive (and its work going), so they are
 * reported by name; the runtime cannot safely kill them.
 */
final class LeakedThreads {

    private static final Logger LOG = LoggerFactory.getLogger(LeakedThreads.class);

    private LeakedThreads() {}

    static List<Thread> of(ClassLoader loader) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .filter(t -> t.getContextClassLoader() == loader || t.getClass().getClassLoader() == loader)
                .toList();
    }

    static void report(String pluginId, ClassLoader loader) {
        List<Thread> leaked = of(loader);
        if (!leaked.isEmpty()) {
            LOG.warn("plugin {} left {} thread(s) running after it stopped: {}; they keep its classes in memory "
                    + "(stop them in the plugin's Plugin.stop())", pluginId, leaked.size(),
                    leaked.stream().map(Thread::getName).toList());
        }
    }
}
