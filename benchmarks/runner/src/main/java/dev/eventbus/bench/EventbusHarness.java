package dev.eventbus.bench;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import dev.eventbus.api.Event;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.admin.AdminSurface;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Eventbus as an operator runs it, in-process: the configuration is loaded by {@link ConfigLoader}
 * from {@code reference.conf} with only the Redis URI, plugins directory, consumer name and gRPC
 * target overridden (and, for the ordering scenario, {@code ordered-by-subject}), and the plugin
 * JAR is loaded from the plugins directory by PF4J. It runs with what {@code bin/eventbus run}
 * adds around the runtime ({@link AdminSurface}: metrics, the Redis poller, the admin servers, on
 * ephemeral ports), so the figures include their cost. A {@link DeliveryObserver} beside the
 * metrics counts handled events and reads the producer's timestamp header.
 */
final class EventbusHarness implements AutoCloseable {

    /** The gRPC service the rpc plugin declares. */
    static final String ORDER_SERVICE = "orders.v1.OrderService";

    private final RuntimeConfig config;
    private final boolean orderedBySubject;
    private final AdminSurface ops;
    private final EventbusRuntime runtime;
    private String group;

    /**
     * @param consumerName this process's consumer name in the group
     * @param grpcTarget the order service, or {@code null} when the plugin calls nothing
     * @param orderedBySubject the handler's {@code ordered-by-subject} (set for every handler; there is one)
     */
    EventbusHarness(
            String redisUri,
            Path pluginsDir,
            String consumerName,
            String grpcTarget,
            boolean orderedBySubject,
            Progress progress) {
        this(redisUri, pluginsDir, consumerName, grpcTarget, orderedBySubject, Map.of(), progress);
    }

    /** @param more further configuration overrides (path to value), e.g. the partitions of a stream */
    EventbusHarness(
            String redisUri,
            Path pluginsDir,
            String consumerName,
            String grpcTarget,
            boolean orderedBySubject,
            Map<String, Object> more,
            Progress progress) {
        Map<String, Object> overrides = new HashMap<>(more);
        overrides.put("eventbus.redis.uri", redisUri);
        overrides.put("eventbus.plugins-dir", pluginsDir.toAbsolutePath().toString());
        overrides.put("eventbus.consumer-name", consumerName);
        overrides.put("eventbus.admin.http-port", 0); // two processes of a pair must not collide
        overrides.put("eventbus.admin.grpc-port", 0);
        if (orderedBySubject) {
            overrides.put("eventbus.handler-defaults.ordered-by-subject", true);
        }
        if (grpcTarget != null) {
            overrides.put(ConfigUtil.joinPath("eventbus", "grpc", "services", ORDER_SERVICE, "target"), grpcTarget);
        }
        this.config = ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(overrides, "benchmark"));
        this.orderedBySubject = orderedBySubject;
        ops = new AdminSurface(config, Clock.systemUTC());
        runtime = ops.newRuntime(new Observer(progress));
    }

    void start() {
        ops.start(runtime);
        runtime.start();
        if (!runtime.view().pluginFailures().isEmpty()) {
            throw new IllegalStateException("plugins refused: " + runtime.view().pluginFailures());
        }
        if (runtime.view().handlers().size() != 1) {
            throw new IllegalStateException(
                    "expected exactly one handler, got " + runtime.view().handlers());
        }
        LoadedHandler handler = runtime.view().handlers().get(0);
        group = handler.name();
        if (config.handler(group).orderedBySubject() != orderedBySubject) {
            throw new IllegalStateException("handler " + group + " runs with ordered-by-subject = "
                    + config.handler(group).orderedBySubject() + ", expected " + orderedBySubject);
        }
    }

    /** The consumer group of the one handler (named after it). */
    String group() {
        return group;
    }

    @Override
    public void close() {
        ops.stopping();
        runtime.stop();
        ops.close();
    }

    private static final class Observer implements DeliveryObserver {
        private final Progress progress;

        Observer(Progress progress) {
            this.progress = progress;
        }

        @Override
        public void handled(Subscription subscription, Event event, long nanos) {
            long now = System.nanoTime();
            String ts = event.headers().get("ts");
            progress.handled(Wire.index(event.id()), ts == null ? -1 : Long.parseLong(ts), now);
            progress.add(1, now);
        }

        @Override
        public void failed(Subscription subscription, Event event, Throwable error) {
            progress.error();
        }

        @Override
        public void deadLettered(Subscription subscription, StreamEntry entry, DeadLetterReason reason) {
            progress.error();
        }
    }
}
