package dev.eventbus.runtime;

import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.dispatch.AbandonedWorkers;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.ownership.OwnershipView;
import dev.eventbus.runtime.plugin.InstalledPlugin;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.rpc.Circuit;
import dev.eventbus.runtime.stream.Subscription;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the operations side (health checks, metrics, the admin API) reads of a runtime, and the one
 * change it may ask of it, a plugin reload. Handed out by {@link EventbusRuntime#view()}, so that
 * the admin and metrics packages depend on this, never on the runtime's wiring.
 *
 * <p>Every method is thread-safe and answers from any state of the runtime (not started, starting,
 * running, stopped); none waits for the runtime's lock.
 */
public interface RuntimeView {

    /**
     * Whether the runtime reached running state: Redis answered, every admitted handler's groups
     * exist and its readers run. False again once stopping.
     */
    boolean isReady();

    /**
     * The live instances and which partitions each owns, read from Redis now (may throw when
     * Redis cannot be reached).
     */
    default OwnershipView ownership() {
        return OwnershipView.none("");
    }

    /**
     * Why {@link #ownership()} cannot say who is live now, or empty: while the runtime starts (it
     * has not read Redis for them yet) or stops (it left them), it knows of no instance, and
     * "none" would read as "no live instance".
     */
    default Optional<String> ownershipUnknown() {
        return Optional.empty();
    }

    /**
     * Why this instance cannot take part in the ownership of partitions now (its heartbeat fails),
     * or empty: readiness says it.
     */
    default String ownershipFailure() {
        return "";
    }

    /** Why the client {@link #ownership()} reads through fails to reconnect, for the words of a failed read. */
    default ReconnectReason ownershipReconnect() {
        return ReconnectReason.UNKNOWN;
    }

    /** The configuration the runtime runs with. */
    RuntimeConfig config();

    /** Bytes of entries every subscription holds now (running, or read ahead), for the gauge. */
    long heldBytes();

    /**
     * Entry slots each running subscription holds now, by subscription name: entries taken from
     * Redis and not yet done with (running, read ahead, waiting in an ordering lane, or being
     * fetched by the retry poller or the reclaimer). All 0 once the runtime is idle.
     */
    Map<String, Integer> slotsTaken();

    /** Whether every subscription's read loop is running: the runtime's own liveness. */
    boolean readersAlive();

    /**
     * Why the runtime is stuck, or empty: start-up made no progress for {@code stall} (a plugin
     * that hangs or exits while it loads), or a subscription's loop did not come round for that long.
     */
    Optional<String> stuck(Duration stall);

    /** The subscriptions being read (handler x stream). */
    List<Subscription> subscriptions();

    /** What each subscription's reader does now, including readers stopped and still draining. */
    List<ReaderState> readerStates();

    /**
     * Whether a handler's subscription on a stream key waits for the old partition layout of its
     * stream to drain before it reads (README, "Changing N").
     */
    default boolean waitsForDrain(String handler, String streamKey) {
        return false;
    }

    /**
     * Why the runtime refuses to read a stream key, or null: on a Redis Cluster, a name whose braces
     * are not a hash tag (README, "Redis Cluster and Sentinel", key layout).
     */
    default String refusalOf(String streamKey) {
        return null;
    }

    /** Each configured gRPC service's circuit now. */
    List<Circuit> circuits();

    /** Workers of a handler abandoned after their timeout: still running, and since start. */
    AbandonedWorkers.Count abandonedWorkers(String handler);

    /** Handlers of the plugins running now. */
    List<LoadedHandler> handlers();

    /** The plugins running now. */
    List<InstalledPlugin> plugins();

    /** Plugin JARs and handlers refused (latest per JAR), with reasons. */
    List<PluginFailure> pluginFailures();

    /** Threads plugins left running after they stopped (reported, not killed), by "plugin-id version". */
    Map<String, List<String>> leakedThreads();

    /**
     * Reloads a plugin from its JAR now (drain, unload, load, start), as `plugins reload` asks.
     *
     * @return the plugin running afterwards
     * @throws IllegalArgumentException unknown plugin; AdmissionException when the new JAR was
     *     refused (the old version keeps running); IllegalStateException when a worker of the old
     *     version still runs or the runtime is not running
     * @throws IOException when the JAR cannot be read
     */
    InstalledPlugin reloadPlugin(String pluginId) throws IOException;
}
