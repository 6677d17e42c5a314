package dev.eventbus.runtime;

import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.consumer.Acknowledger;
import dev.eventbus.runtime.consumer.EventCodec;
import dev.eventbus.runtime.consumer.GroupBootstrap;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.consumer.StreamConsumer;
import dev.eventbus.runtime.consumer.Subscription;
import dev.eventbus.runtime.dispatch.DeliveryObserver;
import dev.eventbus.runtime.dispatch.Dispatcher;
import dev.eventbus.runtime.failure.AckingDeadLetterSink;
import dev.eventbus.runtime.failure.DeadLetterWriter;
import dev.eventbus.runtime.failure.ExponentialBackoffRetryPolicy;
import dev.eventbus.runtime.failure.RetryPolicy;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.failure.RetryingFailureHandler;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.plugin.PluginHost;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import io.grpc.ClientInterceptor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the runtime and owns its start and stop order. Nothing else: each part does its own job.
 *
 * <p>Start: gRPC channels, plugins (so plugin problems are reported even while Redis is away),
 * Redis (retrying until it answers), consumer groups, one reader per subscription. Stop: readers
 * stop reading, in-flight events get the shutdown grace to finish, their acknowledgements are
 * flushed, then plugins, channels and connections close. What did not finish stays pending.
 *
 * <p>{@link #start()} and {@link #stop()} are called once each, from any thread.
 */
public final class EventbusRuntime implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventbusRuntime.class);

    private final RuntimeConfig config;
    private final DeliveryObserver observer;
    private final Clock clock;
    private final List<ClientInterceptor> rpcInterceptors;
    private volatile boolean ready;
    private final List<StreamConsumer> consumers = new ArrayList<>();
    private final List<StatefulRedisConnection<byte[], byte[]>> connections = new ArrayList<>();
    private volatile boolean stopping;
    private RpcChannelRegistry rpc;
    private PluginHost plugins;
    private RedisConnector redis;
    private Acknowledger acks;
    private ExecutorService workers;
    private ScheduledExecutorService timers;
    private Dispatcher dispatcher;

    public EventbusRuntime(RuntimeConfig config) {
        this(config, DeliveryObserver.NONE, Clock.systemUTC());
    }

    public EventbusRuntime(RuntimeConfig config, DeliveryObserver observer, Clock clock) {
        this(config, observer, clock, List.of());
    }

    /**
     * @param observer sees every delivery outcome (metrics, printouts)
     * @param rpcInterceptors added to every gRPC channel lent to handlers (e.g. call metrics)
     */
    public EventbusRuntime(RuntimeConfig config, DeliveryObserver observer, Clock clock,
            List<ClientInterceptor> rpcInterceptors) {
        this.config = config;
        this.observer = observer;
        this.clock = clock;
        this.rpcInterceptors = List.copyOf(rpcInterceptors);
    }

    /** Starts everything; returns once the readers run (or the runtime was stopped meanwhile). */
    public synchronized void start() {
        LOG.info("eventbus {} starting: consumer '{}', Redis {}, plugins from {}", Versions.runtime(),
                config.consumerName(), config.redis().redactedUri(), config.pluginsDir().toAbsolutePath());
        rpc = new RpcChannelRegistry(config.services(), config.breaker(), clock, rpcInterceptors);
        plugins = new PluginHost(config.pluginsDir(), Versions.pluginApi(), config, rpc);
        List<LoadedHandler> handlers = plugins.start();

        redis = new RedisConnector(config.redis());
        StatefulRedisConnection<byte[], byte[]> shared = redis.connect("commands", () -> stopping);
        if (shared == null) {
            return;
        }
        connections.add(shared);
        RedisPreflight.check(shared.sync());

        acks = new Acknowledger(shared.async(), config.consumer().ackBatchSize(), config.consumer().ackInterval());
        var retryStore = new RetryStore(shared.async());
        var writer = new DeadLetterWriter(shared.async(), config.consumer().deadLetterPrefix());
        var deadLetters = new AckingDeadLetterSink(writer, acks, retryStore, observer, clock);
        Map<String, RetryPolicy> policies = new ConcurrentHashMap<>();
        var failures = new RetryingFailureHandler(name -> policies.computeIfAbsent(name,
                n -> new ExponentialBackoffRetryPolicy(config.handler(n).retry(), ThreadLocalRandom.current()::nextDouble)),
                retryStore, deadLetters, observer, clock);
        workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("eventbus-worker-", 0).factory());
        timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("eventbus-timers").daemon(true).factory());
        dispatcher = new Dispatcher(new EventCodec(config.consumer().maxEventBytes()), workers, timers, rpc, acks,
                deadLetters, failures, retryStore, observer, config::handler, config.recovery().maxDeliveries());

        for (LoadedHandler handler : handlers) {
            for (Map.Entry<String, Set<String>> s : handler.spec().subscriptions().entrySet()) {
                Subscription sub = new Subscription(handler, s.getKey(), s.getValue());
                if (GroupBootstrap.ensure(shared.sync(), sub.stream(), sub.group(), config.consumer().newGroupStart())) {
                    LOG.info("created consumer group '{}' on stream '{}' at {}", sub.group(), sub.stream(),
                            config.consumer().newGroupStart());
                }
                StatefulRedisConnection<byte[], byte[]> connection = redis.connect("reader " + sub.name(), () -> stopping);
                if (connection == null) {
                    return;
                }
                connections.add(connection);
                StreamConsumer consumer = new StreamConsumer(sub, connection, shared, config.consumerName(),
                        config.consumer(), config.recovery(), config.maxInFlight(handler.name()), dispatcher, retryStore,
                        () -> rpc.readBudget(handler.spec().services()), clock);
                consumers.add(consumer);
                consumer.start();
                LOG.info("subscription {} reading (types {}, in-flight limit {})", sub.name(), sub.types(),
                        config.maxInFlight(handler.name()));
            }
        }
        ready = true;
        LOG.info("eventbus running: {} subscription(s), {} plugin(s) refused", consumers.size(),
                plugins.failures().size());
    }

    /**
     * Whether the runtime reached running state: Redis answered, every admitted handler's groups
     * exist and its readers run. False again once stopping.
     */
    public boolean isReady() {
        return ready && !stopping;
    }

    /** The subscriptions being read (handler x stream). */
    public List<Subscription> subscriptions() {
        return consumers.stream().map(StreamConsumer::subscription).toList();
    }

    public RuntimeConfig config() {
        return config;
    }

    /** Handlers admitted at start. */
    public List<LoadedHandler> handlers() {
        return plugins == null ? List.of() : plugins.handlers();
    }

    /** Plugins and handlers refused at start, with reasons. */
    public List<PluginFailure> pluginFailures() {
        return plugins == null ? List.of() : plugins.failures();
    }

    /** Stops reading, drains in-flight events within the grace period, acknowledges, closes. */
    public void stop() {
        stopping = true;
        synchronized (this) {
            long deadline = System.nanoTime() + config.consumer().shutdownGrace().toNanos();
            consumers.forEach(StreamConsumer::stop);
            int unfinished = 0;
            for (StreamConsumer c : consumers) {
                try {
                    if (!c.awaitIdle(deadline)) {
                        unfinished += c.inFlight();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    unfinished += c.inFlight();
                }
            }
            if (unfinished > 0) {
                LOG.warn("shutdown grace {} over: {} event(s) still in flight stay pending and are handled "
                        + "again after a restart", config.consumer().shutdownGrace(), unfinished);
            }
            if (dispatcher != null) {
                dispatcher.beginShutdown();
            }
            closeQuietly(acks);
            if (workers != null) {
                workers.shutdownNow();
            }
            if (timers != null) {
                timers.shutdownNow();
            }
            closeQuietly(plugins);
            connections.forEach(c -> closeQuietly(c::close));
            closeQuietly(rpc);
            closeQuietly(redis);
            LOG.info("eventbus stopped");
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("while stopping: {}", Errors.rootMessage(e));
        }
    }
}
