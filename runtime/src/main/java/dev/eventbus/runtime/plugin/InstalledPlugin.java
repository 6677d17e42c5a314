package dev.eventbus.runtime.plugin;

import java.nio.file.Path;
import java.util.List;

/**
 * A plugin running from a staged copy of a JAR of the plugins directory.
 *
 * @param source the JAR's file name in the plugins directory
 * @param sha256 checksum of the JAR's content: reloads act on a change of it, never on timestamps
 * @param staged the copy the plugin was loaded from
 */
public record InstalledPlugin(
        String source, String pluginId, String version, String sha256, Path staged, List<LoadedHandler> handlers) {

    public InstalledPlugin {
        handlers = List.copyOf(handlers);
    }
}
