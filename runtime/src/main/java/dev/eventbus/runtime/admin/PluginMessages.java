package dev.eventbus.runtime.admin;

import dev.eventbus.admin.v1.Consumes;
import dev.eventbus.admin.v1.Handler;
import dev.eventbus.admin.v1.Plugin;
import dev.eventbus.admin.v1.RefusedPlugin;
import dev.eventbus.runtime.plugin.InstalledPlugin;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeSet;

/** The plugin host's records as admin API messages: running plugins with their handlers, refusals. */
final class PluginMessages {

    private PluginMessages() {}

    static Plugin plugin(InstalledPlugin plugin, SubscriptionStates states) {
        Plugin.Builder message = Plugin.newBuilder()
                .setId(plugin.pluginId())
                .setVersion(plugin.version())
                .setSource(plugin.source())
                .setSha256(plugin.sha256());
        plugin.handlers().stream()
                .sorted(Comparator.comparing(LoadedHandler::name))
                .forEach(h -> message.addHandlers(handler(h, states)));
        return message.build();
    }

    private static Handler handler(LoadedHandler handler, SubscriptionStates states) {
        Handler.Builder message = Handler.newBuilder()
                .setName(handler.name())
                .addAllServices(new TreeSet<>(handler.spec().services()))
                .setState(states.combined(handler));
        handler.spec().subscriptions().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> message.addConsumes(
                        Consumes.newBuilder().setStream(e.getKey()).addAllEventTypes(new TreeSet<>(e.getValue()))));
        return message.build();
    }

    static RefusedPlugin refused(PluginFailure failure) {
        return RefusedPlugin.newBuilder()
                .setSource(failure.source())
                .setPluginId(failure.pluginId() == null ? "" : failure.pluginId())
                .setReason(failure.reason())
                .build();
    }
}
