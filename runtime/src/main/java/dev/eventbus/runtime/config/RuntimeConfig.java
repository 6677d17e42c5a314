package dev.eventbus.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.producer.PartitionedStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The runtime's validated settings, read once at start-up from the {@code eventbus} tree.
 * Immutable; the only type that knows config paths is {@link ConfigLoader}.
 *
 * @param consumerName this instance's consumer name in every group
 * @param ownership partition leases of ordered handlers on partitioned streams
 * @param services configured gRPC services by service name
 * @param handlerDefaults how handlers run unless overridden
 * @param handlerOverrides per-handler settings (already merged over the defaults)
 * @param pluginConfigs the operator's {@code eventbus.plugins} tree (one subtree per plugin id),
 *     checked against each plugin's own defaults when the plugin loads
 * @param source the merged configuration, for {@code config show}
 * @param operations admin servers, metrics and logging
 * @param partitionedStreams the streams declared under {@code eventbus.streams}, by logical name;
 *     every other stream is one Redis key
 * @param drainingLayouts per partitioned stream, the layouts of earlier partition counts still
 *     draining after a change of the count ({@code draining}); read before the current layout
 * @param file the operator's config file read, if any (read again by {@link #reread})
 * @param overrides the highest-priority values it was loaded with (command-line flags)
 * @param warnings what works but may not be what was meant (an include of a file that is not there),
 *     printed by {@code config check} and logged by {@code run} and {@code dev} at start
 */
public record RuntimeConfig(
        String consumerName,
        Path pluginsDir,
        RedisSettings redis,
        ConsumerSettings consumer,
        RecoverySettings recovery,
        OwnershipSettings ownership,
        BreakerSettings breaker,
        Map<String, RpcServiceSettings> services,
        HandlerSettings handlerDefaults,
        Map<String, HandlerSettings> handlerOverrides,
        Config pluginConfigs,
        Config source,
        OperationsSettings operations,
        PluginSettings pluginHost,
        Map<String, PartitionedStream> partitionedStreams,
        Map<String, List<PartitionedStream>> drainingLayouts,
        Optional<Path> file,
        Config overrides,
        List<String> warnings) {

    public RuntimeConfig {
        services = Map.copyOf(services);
        partitionedStreams = Map.copyOf(partitionedStreams);
        drainingLayouts = Map.copyOf(drainingLayouts);
        handlerOverrides = Map.copyOf(handlerOverrides);
        warnings = List.copyOf(warnings);
    }

    /**
     * The same sources read again (the file as it is now, the same overrides, the environment), as
     * a plugin reload does to take up a changed plugin config.
     *
     * @throws InvalidConfigException listing every problem of the new reading
     */
    public RuntimeConfig reread() {
        return ConfigLoader.load(file, overrides);
    }

    /** The settings of one handler. */
    public HandlerSettings handler(String name) {
        return handlerOverrides.getOrDefault(name, handlerDefaults);
    }

    /** The in-flight limit of one handler. */
    public int maxInFlight(String handler) {
        return handler(handler).maxInFlight();
    }

    /** The operator's config for one plugin, or an empty config. */
    public Config pluginConfig(String pluginId) {
        String path = UnknownKeys.join(pluginId);
        return pluginConfigs.hasPath(path) ? pluginConfigs.getConfig(path) : ConfigFactory.empty();
    }

    /**
     * One warning per plugin id configured under {@code eventbus.plugins} that no plugin has: a
     * misspelt id ({@code eventbus.plugins.paymnets.threshold}) would otherwise reach no plugin, in
     * silence (keys under a known id are checked against its {@code reference.conf}; these cannot be).
     *
     * @param pluginIds the ids of the plugins there are (installed or refused, or of the JARs present)
     */
    public List<String> pluginIdsConfiguredForNone(Collection<String> pluginIds) {
        List<String> warnings = new ArrayList<>();
        new TreeMap<>(pluginConfigs.root()).forEach((id, value) -> {
            if (!pluginIds.contains(id)) {
                warnings.add("eventbus.plugins." + UnknownKeys.join(id) + " is set ("
                        + value.origin().description()
                        + "), but no plugin has the id '" + id + "' (plugins: "
                        + (pluginIds.isEmpty() ? "none" : String.join(", ", new TreeSet<>(pluginIds)))
                        + "): its settings reach no plugin until one of that id is admitted; is the id misspelt?");
            }
        });
        return warnings;
    }

    /**
     * One warning per handler configured under {@code eventbus.handlers} that no handler has the
     * name of: a misspelt name ({@code eventbus.handlers.mark-order-payd.max-in-flight}) would
     * otherwise change nothing, in silence.
     *
     * @param handlerNames the names of the handlers there are
     * @param someRefused whether handlers were refused: their names are not among {@code
     *     handlerNames}, so the warning asks whether the name is one of them, not only whether it is misspelt
     */
    public List<String> handlersConfiguredForNone(Collection<String> handlerNames, boolean someRefused) {
        List<String> warnings = new ArrayList<>();
        if (!source.hasPath("eventbus.handlers")) {
            return warnings;
        }
        new TreeMap<>(source.getObject("eventbus.handlers")).forEach((name, value) -> {
            if (!handlerNames.contains(name)) {
                warnings.add("eventbus.handlers." + UnknownKeys.join(name) + " is set ("
                        + value.origin().description()
                        + "), but no handler has the name '" + name + "' (handlers: "
                        + (handlerNames.isEmpty() ? "none" : String.join(", ", new TreeSet<>(handlerNames)))
                        + "): its settings change nothing until a handler of that name is admitted; is the name misspelt?"
                        + (someRefused ? " Or is it a handler refused above?" : ""));
            }
        });
        return warnings;
    }

    /** Whether a stream (logical name) is declared partitioned. */
    public boolean partitioned(String stream) {
        return partitionedStreams.containsKey(stream);
    }

    /**
     * The partitioned stream a Redis key is a partition of (of its current layout or of one still
     * draining), or empty (an unpartitioned stream).
     */
    public Optional<String> logicalStreamOf(String key) {
        for (PartitionedStream layout : partitionedStreams.values()) {
            if (layout.keys().contains(key)) {
                return Optional.of(layout.name());
            }
        }
        for (List<PartitionedStream> layouts : drainingLayouts.values()) {
            for (PartitionedStream layout : layouts) {
                if (layout.keys().contains(key)) {
                    return Optional.of(layout.name());
                }
            }
        }
        return Optional.empty();
    }

    /** The layouts of earlier partition counts of a stream still draining; empty for most streams. */
    public List<PartitionedStream> draining(String stream) {
        return drainingLayouts.getOrDefault(stream, List.of());
    }

    /**
     * The partition keys of a partitioned stream (those of layouts still draining first), or the
     * stream itself when it is not partitioned.
     */
    public List<String> streamKeys(String stream) {
        PartitionedStream layout = partitionedStreams.get(stream);
        if (layout == null) {
            return List.of(stream);
        }
        List<String> keys = new java.util.ArrayList<>();
        draining(stream).forEach(old -> keys.addAll(old.keys()));
        keys.addAll(layout.keys());
        return List.copyOf(keys);
    }
}
