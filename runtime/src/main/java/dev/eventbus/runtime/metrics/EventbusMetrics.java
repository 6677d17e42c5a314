package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.jmx.JmxReporter;
import com.codahale.metrics.jvm.BufferPoolMetricSet;
import com.codahale.metrics.jvm.CachedThreadStatesGaugeSet;
import com.codahale.metrics.jvm.ClassLoadingGaugeSet;
import com.codahale.metrics.jvm.FileDescriptorRatioGauge;
import com.codahale.metrics.jvm.GarbageCollectorMetricSet;
import com.codahale.metrics.jvm.JvmAttributeGaugeSet;
import com.codahale.metrics.jvm.MemoryUsageGaugeSet;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.config.MetricsSettings;
import dev.eventbus.runtime.consumer.StreamNode;
import dev.eventbus.runtime.internal.BoundedCall;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.Subscription;
import io.grpc.ClientInterceptor;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The runtime's metrics: one Dropwizard registry fed by the delivery observer, the gRPC client
 * interceptor and the subscription poller, plus the JVM's figures; published over JMX and as a
 * Prometheus registry for the admin server's {@code /metrics}.
 *
 * <p>Create it before the runtime (the runtime needs {@link #observer()} and
 * {@link #grpcInterceptor()}), then {@link #start} it with the runtime.
 */
public final class EventbusMetrics implements AutoCloseable {

    private final MetricsSettings settings;
    private final MetricRegistry registry = new MetricRegistry();
    private final DeliveryMetrics delivery;
    private final GrpcClientMetrics grpc;
    private final PrometheusRegistry prometheus = new PrometheusRegistry();
    private JmxReporter jmx;
    private volatile SubscriptionPoller poller;

    public EventbusMetrics(MetricsSettings settings, Clock clock) {
        this.settings = settings;
        this.delivery = new DeliveryMetrics(registry, clock);
        this.grpc = new GrpcClientMetrics(registry);
        if (settings.jvm()) {
            registry.register(MetricNames.JVM + ".memory", new MemoryUsageGaugeSet());
            registry.register(MetricNames.JVM + ".gc", new GarbageCollectorMetricSet());
            registry.register(MetricNames.JVM + ".threads", new CachedThreadStatesGaugeSet(5, TimeUnit.SECONDS));
            registry.register(
                    MetricNames.JVM + ".buffers", new BufferPoolMetricSet(ManagementFactory.getPlatformMBeanServer()));
            registry.register(MetricNames.JVM + ".classloading", new ClassLoadingGaugeSet());
            registry.register(MetricNames.JVM + ".attributes", new JvmAttributeGaugeSet());
            registry.register(MetricNames.JVM + ".fd-usage", new FileDescriptorRatioGauge());
        }
        prometheus.register(new PrometheusExposition(registry));
    }

    /** Counts delivery outcomes; pass it to the runtime. */
    public DeliveryObserver observer() {
        return delivery;
    }

    /** Counts and times gRPC calls; pass it to the runtime. */
    public ClientInterceptor grpcInterceptor() {
        return grpc;
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** The registry the {@code /metrics} endpoint serves. */
    public PrometheusRegistry prometheus() {
        return prometheus;
    }

    /**
     * Starts JMX publication and the subscription poller, and adds the runtime's own gauges.
     * Returns at once; the poller reads nothing until the runtime is running.
     */
    public synchronized void start(RuntimeView runtime, StatusReader reader) {
        start(runtime, reader, stream -> Optional.empty(), runtime::isReady);
    }

    /**
     * @param nodes the node each stream lives on (Cluster, Sentinel), from the client's own view
     * @param ready {@code eventbus_runtime_ready}: readiness but for its PING ({@code HealthChecks#readyButForPing})
     */
    public synchronized void start(
            RuntimeView runtime,
            StatusReader reader,
            Function<String, Optional<StreamNode>> nodes,
            java.util.function.BooleanSupplier ready) {
        registry.gauge(MetricNames.READY, () -> (Gauge<Integer>) () -> ready.getAsBoolean() ? 1 : 0);
        registry.gauge(MetricNames.READ_AHEAD_BYTES, () -> (Gauge<Long>) runtime::heldBytes);
        registry.gauge(MetricNames.PLUGINS_ADMITTED, () ->
                (Gauge<Integer>) () -> runtime.isReady() ? runtime.handlers().size() : 0);
        registry.gauge(MetricNames.PLUGINS_REFUSED, () -> (Gauge<Integer>)
                () -> runtime.isReady() ? runtime.pluginFailures().size() : 0);
        if (settings.jmx()) {
            jmx = JmxReporter.forRegistry(registry)
                    .inDomain("eventbus")
                    .convertDurationsTo(TimeUnit.MILLISECONDS)
                    .convertRatesTo(TimeUnit.SECONDS)
                    .build();
            jmx.start();
        }
        poller = new SubscriptionPoller(
                registry,
                reader,
                runtime::isReady,
                () -> {
                    List<Subscription> subs = runtime.subscriptions();
                    subs.forEach(delivery::register);
                    return subs;
                },
                settings.pollInterval(),
                sub -> ScaleSignal.waitsOnCircuit(sub.handler().spec().services(), runtime.circuits()),
                key -> runtime.config().logicalStreamOf(key),
                eachPoll(runtime, nodes));
        poller.start();
    }

    /** Beside the subscriptions: where the streams live (no Redis command), then the instances. */
    private Runnable eachPoll(RuntimeView runtime, Function<String, Optional<StreamNode>> nodes) {
        StreamNodeGauges streamNodes = new StreamNodeGauges(
                registry,
                () -> runtime.subscriptions().stream()
                        .map(Subscription::stream)
                        .distinct()
                        .toList(),
                nodes);
        InstanceGauges instances = new InstanceGauges(registry, runtime::ownership);
        return () -> {
            streamNodes.update();
            instances.update();
        };
    }

    /** One poll now (tests, and a fresh reading on demand). */
    public void pollNow() {
        SubscriptionPoller p = poller;
        if (p != null) {
            p.pollOnce();
        }
    }

    /**
     * The subscriptions' figures as the poller last read them from Redis, by
     * {@link Subscription#name()}. When one has none yet, or they are older than two poll intervals
     * (the poller is behind or failing), polls once first.
     */
    /**
     * How long an answer waits for fresh figures when the last readings are stale: a Redis that does
     * not answer held {@code status} for the command timeout (10 s), past the CLI's own 10 s, which
     * then gave up on the runtime and on Redis, 22 s in all (found from outside).
     */
    static final Duration FRESH_FIGURES_WAIT = Duration.ofSeconds(2);

    public Map<String, SubscriptionPoller.Reading> figures(List<Subscription> subscriptions) {
        SubscriptionPoller p = poller;
        if (p == null) {
            return Map.of();
        }
        Duration stale = settings.pollInterval().multipliedBy(2);
        if (subscriptions.stream()
                .anyMatch(s -> p.last(s.group(), s.stream())
                        .map(r -> r.age().compareTo(stale) > 0)
                        .orElse(true))) {
            try {
                BoundedCall.get(
                        "eventbus-status-figures",
                        () -> {
                            p.pollOnce();
                            return null;
                        },
                        FRESH_FIGURES_WAIT);
            } catch (TimeoutException | ExecutionException e) {
                // Redis does not answer: the last readings, with their age, or none.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Map<String, SubscriptionPoller.Reading> figures = new HashMap<>();
        for (Subscription s : subscriptions) {
            p.last(s.group(), s.stream()).ifPresent(r -> figures.put(s.name(), r));
        }
        return figures;
    }

    /** Whether the poller's loop still runs (a liveness signal); true when not started. */
    public boolean pollerAlive(Duration slack) {
        SubscriptionPoller p = poller;
        return p == null || p.alive(slack);
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.close();
        }
        if (jmx != null) {
            jmx.close();
        }
    }
}
