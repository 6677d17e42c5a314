package dev.eventbus.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How plugins are admitted and reloaded.
 *
 * @param stagingDir where JARs are copied before loading; empty = a fresh temporary directory
 * @param allowList when not empty, only JARs matching an entry are admitted
 */
public record PluginSettings(
        Optional<Path> stagingDir,
        boolean reload,
        Duration reloadPollInterval,
        Duration reloadQuietPeriod,
        List<Allowed> allowList) {

    public PluginSettings {
        allowList = List.copyOf(allowList);
    }

    /**
     * One allow-list entry; {@code version} and {@code sha256} are optional (empty = any).
     */
    public record Allowed(String id, String version, String sha256) {

        public boolean matches(String pluginId, String pluginVersion, String jarSha256) {
            return id.equals(pluginId)
                    && (version.isEmpty() || version.equals(pluginVersion))
                    && (sha256.isEmpty() || sha256.equalsIgnoreCase(jarSha256));
        }
    }
}
