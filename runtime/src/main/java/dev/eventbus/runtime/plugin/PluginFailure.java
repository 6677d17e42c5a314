package dev.eventbus.runtime.plugin;

/**
 * A plugin (or one of its handlers) the runtime refused, and why.
 *
 * @param source the JAR file name
 * @param pluginId the plugin id when the descriptor could be read, else {@code null}
 * @param reason what is wrong and, where possible, how to fix it
 */
public record PluginFailure(String source, String pluginId, String reason) {

    @Override
    public String toString() {
        return source + (pluginId == null ? "" : " (plugin " + pluginId + ")") + ": " + reason;
    }
}
