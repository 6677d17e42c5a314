package dev.eventbus.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;

/**
 * The plugin's own {@code reference.conf}, found where the runtime finds it: beside the handler's
 * classes (the plugin JAR, or the compiled classes directory in a build), never merged with other
 * {@code reference.conf} files on the class path. Applies the runtime's rule for a plugin's config:
 * the operator's keys override the defaults, and a key the defaults do not define is refused.
 *
 * <p>Immutable.
 */
final class PluginReference {

    private final Config reference;

    private PluginReference(Config reference) {
        this.reference = reference;
    }

    /** @param handlerClass a class of the plugin; its code source is searched */
    static PluginReference of(Class<?> handlerClass) {
        return new PluginReference(read(handlerClass).orElse(ConfigFactory.empty()));
    }

    /** @return the single plugin id the file configures under {@code eventbus.plugins}, if there is exactly one */
    Optional<String> soleId() {
        if (!reference.hasPath("eventbus.plugins")) {
            return Optional.empty();
        }
        var ids = reference.getObject("eventbus.plugins").keySet();
        return ids.size() == 1 ? Optional.of(ids.iterator().next()) : Optional.empty();
    }

    /**
     * @param pluginId the plugin's id
     * @param operator the operator's settings under {@code eventbus.plugins.<pluginId>}
     * @return what the runtime gives the handler as {@code HandlerContext.config()}
     * @throws IllegalArgumentException naming every key the defaults do not define, as the runtime refuses them
     */
    Config effective(String pluginId, Config operator) {
        String path = ConfigUtil.joinPath("eventbus", "plugins", pluginId);
        Config defaults = reference.hasPath(path) ? reference.getConfig(path) : ConfigFactory.empty();
        List<String> unknown = new ArrayList<>();
        for (var entry : operator.entrySet()) {
            if (!defaults.hasPathOrNull(entry.getKey())) {
                unknown.add("'" + path + "." + entry.getKey() + "' ("
                        + entry.getValue().origin().description() + ")");
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "plugin " + pluginId + ": config has keys the plugin does not define in its reference.conf: "
                            + String.join(", ", unknown));
        }
        return operator.withFallback(defaults).resolve();
    }

    private static Optional<Config> read(Class<?> handlerClass) {
        CodeSource source = handlerClass.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        Path location;
        try {
            location = Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Optional.empty();
        }
        try {
            if (Files.isDirectory(location)) {
                Path file = location.resolve("reference.conf");
                return Files.isRegularFile(file)
                        ? Optional.of(ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults())
                                .resolve())
                        : Optional.empty();
            }
            if (Files.isRegularFile(location)) {
                try (JarFile jar = new JarFile(location.toFile())) {
                    var entry = jar.getJarEntry("reference.conf");
                    if (entry == null) {
                        return Optional.empty();
                    }
                    try (var reader = new InputStreamReader(jar.getInputStream(entry), StandardCharsets.UTF_8)) {
                        return Optional.of(ConfigFactory.parseReader(
                                        reader,
                                        ConfigParseOptions.defaults()
                                                .setOriginDescription(location + "!/reference.conf"))
                                .resolve());
                    }
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the reference.conf beside " + handlerClass.getName(), e);
        } catch (ConfigException e) {
            throw new IllegalStateException(
                    "the plugin's reference.conf cannot be read (the runtime refuses the " + "plugin too): "
                            + e.getMessage(),
                    e);
        }
    }
}
