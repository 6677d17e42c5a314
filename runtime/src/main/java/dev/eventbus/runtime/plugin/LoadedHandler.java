package dev.eventbus.runtime.plugin;

import com.typesafe.config.Config;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerSpec;

/**
 * A handler that passed admission: its instance, its validated declaration, and what the runtime
 * needs to run it inside its plugin (class loader, the plugin's own config subtree).
 */
public record LoadedHandler(
        EventHandler handler,
        HandlerSpec spec,
        String pluginId,
        String pluginVersion,
        ClassLoader classLoader,
        Config pluginConfig) {

    public String name() {
        return spec.name();
    }
}
