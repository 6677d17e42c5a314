package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Assembles the config a plugin's handlers get: the operator's {@code eventbus.plugins.<id>}
 * subtree over the defaults at the same path in the plugin's own {@code reference.conf}. A key the
 * operator sets that the plugin does not define is refused (a typo would otherwise be ignored).
 *
 * <p>Stateless; thread-safe.
 */
final class PluginConfigs {

    private static final String REFERENCE = "reference.conf";

    private final Function<String, Config> operator;

    /** @param operator the operator's subtree of a plugin id (empty when none) */
    PluginConfigs(Function<String, Config> operator) {
        this.operator = operator;
    }

    /**
     * @param loader the plugin's class loader, whose own JAR holds its {@code reference.conf}
     * @throws AdmissionException when the reference cannot be read or the operator sets unknown keys
     */
    Config assemble(String pluginId, ClassLoader loader) {
        URL reference = loader instanceof URLClassLoader ucl ? ucl.findResource(REFERENCE) : null;
        return assemble(
                pluginId, reference == null ? ConfigFactory.empty() : defaults(pluginId, parse(pluginId, reference)));
    }

    /**
     * The operator's subtree of a plugin over its defaults.
     *
     * @param defaults the plugin's subtree of its own {@code reference.conf} (see {@link #defaultsIn})
     * @throws AdmissionException when the operator sets keys the defaults do not define
     */
    Config assemble(String pluginId, Config defaults) {
        String path = path(pluginId);
        Config set = operator.apply(pluginId);
        List<String> unknown = new ArrayList<>();
        for (var entry : set.entrySet()) {
            if (!defaults.hasPathOrNull(entry.getKey())) {
                unknown.add("'" + path + "." + entry.getKey() + "' ("
                        + entry.getValue().origin().description() + ")");
            }
        }
        if (!unknown.isEmpty()) {
            throw AdmissionException.refused(
                    Stage.CONFIG,
                    pluginId,
                    "config has keys the plugin does not define in its reference.conf: " + String.join(", ", unknown));
        }
        return set.withFallback(defaults).resolve();
    }

    /**
     * A plugin's defaults read from its JAR file as data, without loading any of its classes (for
     * checks that must not run plugin code: {@code config check}, a reload's precheck).
     *
     * @throws AdmissionException when its reference.conf cannot be read
     */
    static Config defaultsIn(Path jar, String pluginId) {
        try (JarFile file = new JarFile(jar.toFile())) {
            JarEntry entry = file.getJarEntry(REFERENCE);
            if (entry == null) {
                return ConfigFactory.empty();
            }
            try (var reader = new InputStreamReader(file.getInputStream(entry), StandardCharsets.UTF_8)) {
                return defaults(pluginId, ConfigFactory.parseReader(reader).resolve());
            }
        } catch (IOException | ConfigException e) {
            throw unreadable(pluginId, e);
        }
    }

    private static Config defaults(String pluginId, Config reference) {
        String path = path(pluginId);
        if (reference.hasPath(path)) {
            return reference.getConfig(path);
        }
        if (reference.hasPath("eventbus.plugins")
                && !reference.getObject("eventbus.plugins").isEmpty()) {
            // Defaults under another id (plugin.id changed in the pom, or a typo in the file) would
            // reach no handler: each of its config reads would fail, at start or at every event.
            List<String> others = new ArrayList<>();
            new java.util.TreeSet<>(reference.getObject("eventbus.plugins").keySet())
                    .forEach(id -> others.add(ConfigUtil.joinPath("eventbus", "plugins", id)));
            throw AdmissionException.refused(
                    Stage.CONFIG,
                    pluginId,
                    "its reference.conf defines " + String.join(", ", others) + " but not " + path
                            + ", the plugin's own id (Plugin-Id, from plugin.id in its pom): its defaults would"
                            + " reach none of its handlers; name the block after the plugin id");
        }
        return ConfigFactory.empty();
    }

    private static String path(String pluginId) {
        return ConfigUtil.joinPath("eventbus", "plugins", pluginId);
    }

    /** Reads a resource of a plugin JAR without the JDK's JAR cache, which would keep the file open. */
    private static Config parse(String pluginId, URL url) {
        try {
            var connection = url.openConnection();
            connection.setUseCaches(false);
            try (var reader = new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8)) {
                return ConfigFactory.parseReader(reader).resolve();
            }
        } catch (IOException | ConfigException e) {
            throw unreadable(pluginId, e);
        }
    }

    private static AdmissionException unreadable(String pluginId, Exception e) {
        return new AdmissionException(
                Stage.CONFIG, pluginId, null, "its reference.conf cannot be read: " + rootMessage(e), e);
    }
}
