package dev.eventbus.runtime.plugin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds threads a plugin left running after it stopped: threads whose context class loader is the
 * plugin's (threads started while handling an event inherit it), or whose stack runs code of a class
 * from the plugin's JAR (threads started anywhere else). They keep the plugin's classes alive and
 * its work going; the runtime cannot stop them safely, so it names them.
 */
final class LeakedThreads {

    private static final Logger LOG = LoggerFactory.getLogger(LeakedThreads.class);

    private LeakedThreads() {}

    static List<String> find(ClassLoader loader, Path jar) {
        Set<String> classes = classNames(jar);
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().isAlive())
                .filter(e -> e.getKey().getContextClassLoader() == loader
                        || java.util.Arrays.stream(e.getValue()).anyMatch(f -> classes.contains(f.getClassName())))
                .map(e -> e.getKey().getName())
                .toList();
    }

    static List<String> report(String pluginId, ClassLoader loader, Path jar) {
        List<String> leaked = find(loader, jar);
        if (!leaked.isEmpty()) {
            LOG.warn(
                    "plugin {} left {} thread(s) running after it stopped: {}; they keep its classes in memory "
                            + "(stop them in the plugin's Plugin.stop())",
                    pluginId,
                    leaked.size(),
                    leaked);
        }
        return leaked;
    }

    /** The names of the classes in the JAR (empty when it cannot be read). */
    static Set<String> classNames(Path jar) {
        Set<String> names = new HashSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            file.stream()
                    .map(e -> e.getName())
                    .filter(n -> n.endsWith(".class"))
                    .forEach(n -> names.add(n.substring(0, n.length() - 6).replace('/', '.')));
        } catch (IOException e) {
            // Without the class list only the context class loader check applies.
        }
        return names;
    }
}
