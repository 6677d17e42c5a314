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
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Assembles the config a plugin's handlers get: the operator's {@code eventbus.plugins.<id>}
 * subtree over the defaults at the same path in the plugin's own {@code reference.conf}. A key the
 * operator sets that the plugin does not define is refused (a typo would otherwise be ignored).
 *
 * <p>Stateless; thread-safe.
 */
final class PluginConfigs {

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
        String path = ConfigUtil.joinPath("eventbus", "plugins", pluginId);
        Config defaults = ConfigFactory.empty();
        URL reference = loader instanceof URLClassLoader ucl ? ucl.findResource("reference.conf") : null;
        if (reference != null) {
            Config parsed = parseWithoutCaching(pluginId, reference);
            if (parsed.hasPath(path)) {
                defaults = parsed.getConfig(path);
            }
        }
        Config set = operator.apply(pluginId);
        List<String> unknown = new ArrayList<>();
        for (var entry : set.entrySet()) {
            if (!defaults.hasPathOrNull(entry.getKey())) {
                unknown.add("'" + path + "." + entry.getKey() + "' (" + entry.getValue().origin().description() + ")");
            }
        }
        if (!unknown.isEmpty()) {
            throw AdmissionException.refused(Stage.CONFIG, pluginId,
                    "config has keys the plugin does not define in its reference.conf: " + String.join(", ", unknown));
        }
        return set.withFallback(defaults).resolve();
    }

    /** Reads a resource of a plugin JAR without the JDK's JAR cache, which would keep the file open. */
    private static Config parseWithoutCaching(String pluginId, URL url) {
        try {
            var connection = url.openConnection();
            connection.setUseCaches(false);
            try (var reader = new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8)) {
                return ConfigFactory.parseReader(reader).resolve();
            }
        } catch (IOException | ConfigException e) {
            throw new AdmissionException(Stage.CONFIG, pluginId, null,
                    "its reference.conf cannot be read: " + rootMessage(e), e);
        }
    }
}
