package dev.eventbus.runtime;

import dev.eventbus.runtime.config.LocalPaths;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.consumer.GroupBootstrap;
import dev.eventbus.runtime.consumer.LayoutDrain;
import dev.eventbus.runtime.consumer.ReadBudget;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.consumer.RedisConnection;
import dev.eventbus.runtime.consumer.RedisConnector;
import dev.eventbus.runtime.consumer.StreamConsumer;
import dev.eventbus.runtime.consumer.StreamConsumerFactory;
import dev.eventbus.runtime.consumer.TopologyChanges;
import dev.eventbus.runtime.dispatch.AbandonedWorkers;
import dev.eventbus.runtime.dispatch.Dispatcher;
import dev.eventbus.runtime.failure.AckingDeadLetterSink;
import dev.eventbus.runtime.failure.DeadLetterWriter;
import dev.eventbus.runtime.failure.ExponentialBackoffRetryPolicy;
import dev.eventbus.runtime.failure.RetryPolicy;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.failure.RetryingFailureHandler;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.runtime.ownership.Lease;
import dev.eventbus.runtime.ownership.OwnershipCoordinator;
import dev.eventbus.runtime.ownership.OwnershipView;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.plugin.InstalledPlugin;
import dev.eventbus.runtime.plugin.LivePluginConfig;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.plugin.PluginHost;
import dev.eventbus.runtime.plugin.PluginReloader;
import dev.eventbus.runtime.plugin.StuckWorker;
import dev.eventbus.runtime.plugin.SubscriptionControl;
import dev.eventbus.runtime.rpc.Circuit;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.runtime.stream.Acknowledger;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.KeyLayout;
import dev.eventbus.runtime.stream.Subscription;
import io.grpc.ClientInterceptor;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the runtime and owns its start and stop order. Nothing else: each part does its own job,
 * and what the operations side reads of it goes through the {@link RuntimeView} it hands out.
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
    private final StartupProgress progress;
    private final List<StreamConsumer> consumers = new ArrayList<>();
    /** Per handler@stream whose partition count changes: the gate of its current layout. */
    private final Map<String, LayoutDrain> drains = new ConcurrentHashMap<>();
    /** A copy of {@link #consumers}, replaced on each change: readable without the lock a draining reload holds. */
    private volatile List<StreamConsumer> readers = List.of();

    private volatile boolean stopping;
    private volatile RpcChannelRegistry rpc;
    private volatile PluginHost plugins;
    private RedisConnector redis;
    private volatile Acknowledger acks;
    private volatile AckingDeadLetterSink deadLetters;
    private ScheduledExecutorService timers;
    private volatile Dispatcher dispatcher;
    private RedisConnection<byte[], byte[]> shared;
    private volatile KeyLayout keys;
    private StreamConsumerFactory subscriptions;
    private volatile PluginReloader reloader;
    private volatile OwnershipCoordinator ownership;
    /** The lease of each subscription that needs a partition owner (ordered, on a partitioned stream). */
    private final Map<StreamConsumer, Lease> leases = new ConcurrentHashMap<>();

    private final RuntimeView view = new View();
    /** Shared by every Redis client of this runtime, the admin side's too ({@link #topologyChanges}). */
    private final TopologyChanges changes = new TopologyChanges();

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
    public EventbusRuntime(
            RuntimeConfig config, DeliveryObserver observer, Clock clock, List<ClientInterceptor> rpcInterceptors) {
        this.config = config;
        this.observer = observer;
        this.clock = clock;
        this.rpcInterceptors = List.copyOf(rpcInterceptors);
        this.progress = new StartupProgress(System::nanoTime);
    }

    /** Starts everything; returns once the readers run (or the runtime was stopped meanwhile). */
    public synchronized void start() {
        progress.stage("starting");
        LOG.info(
                "eventbus {} starting: consumer '{}', Redis {}, plugins from {}",
                Versions.runtime(),
                config.consumerName(),
                config.redis().redactedUri(),
                config.pluginsDir().toAbsolutePath());
        // Before anything is opened: a staging directory that cannot be made is named with its line.
        LocalPaths.requireStagingDir(config);
        rpc = new RpcChannelRegistry(config.services(), config.breaker(), clock, rpcInterceptors);
        LivePluginConfig pluginConfig = new LivePluginConfig(config);
        plugins = new PluginHost(config.pluginsDir(), Versions.pluginApi(), config, rpc, pluginConfig);
        progress.stage("loading plugins from " + config.pluginsDir());
        List<LoadedHandler> handlers = plugins.start();
        Set<String> pluginIds = new HashSet<>();
        plugins.installed().values().forEach(p -> pluginIds.add(p.pluginId()));
        plugins.failures().stream()
                .map(PluginFailure::pluginId)
                .filter(Objects::nonNull)
                .forEach(pluginIds::add);
        config.pluginIdsConfiguredForNone(pluginIds).forEach(LOG::warn);
        config.handlersConfiguredForNone(
                        handlers.stream().map(LoadedHandler::name).toList(),
                        !plugins.failures().isEmpty())
                .forEach(LOG::warn);

        progress.stage("connecting to Redis");
        redis = new RedisConnector(config.redis(), changes);
        // Each connection attempt is progress: waiting for Redis is not being stuck.
        RedisConnection<byte[], byte[]> shared = redis.connect("commands", () -> progress.stampedWhile(stopping));
        if (shared == null) {
            return;
        }
        RedisPreflight.check(shared);
        redis.sentinels()
                .ifPresent(s -> RedisPreflight.checkSentinels(
                        s, RedisConnector.uri(config.redis()).getSentinelMasterId()));

        acks = new Acknowledger(
                shared.async(),
                shared.connection(),
                shared.reconnect(),
                config.consumer().ackBatchSize(),
                config.consumer().ackInterval(),
                config.consumer().ackLimit());
        keys = KeyLayout.of(config.redis(), config.consumer().deadLetterPrefix());
        Acknowledger acknowledger = acks;
        OwnershipCoordinator owners = new OwnershipCoordinator(
                config.consumerName(),
                config.ownership(),
                shared.sync(),
                shared.reconnect(),
                () -> acknowledger.flush(Duration.ofSeconds(5)),
                config.consumer().shutdownGrace(),
                System::nanoTime);
        ownership = owners;
        changes.rewindOnChange(owners.loop()); // a node back or a new topology: heartbeat now
        var retryStore = new RetryStore(shared.async(), keys);
        var writer = new DeadLetterWriter(shared.async(), keys);
        deadLetters = new AckingDeadLetterSink(writer, retryStore, observer, clock);
        Map<String, RetryPolicy> policies = new ConcurrentHashMap<>();
        var failures = new RetryingFailureHandler(
                name -> policies.computeIfAbsent(
                        name,
                        n -> new ExponentialBackoffRetryPolicy(
                                config.handler(n).retry(), ThreadLocalRandom.current()::nextDouble)),
                retryStore,
                deadLetters,
                observer,
                clock);
        // Virtual threads for the dispatcher's workers, started directly: an executor service would
        // track every thread in one more shared set. The dispatcher interrupts its own at shutdown.
        ThreadFactory workerThreads = Thread.ofVirtual().name("eventbus-worker").factory();
        Executor workers = task -> workerThreads.newThread(task).start();
        var timerPool = new ScheduledThreadPoolExecutor(
                1, Thread.ofPlatform().name("eventbus-timers").daemon(true).factory());
        timerPool.setRemoveOnCancelPolicy(true); // a cancelled timeout must not keep a plugin's handler reachable
        timers = timerPool;
        dispatcher = new Dispatcher(
                new EventCodec(config.consumer().maxEventBytes()),
                workers,
                timers,
                rpc,
                acks,
                deadLetters,
                failures,
                retryStore,
                observer,
                config::handler,
                config.recovery().maxDeliveries());

        this.shared = shared;
        subscriptions = new StreamConsumerFactory(
                config.consumerName(),
                config.consumer(),
                config.recovery(),
                config::handler,
                shared,
                dispatcher,
                retryStore,
                clock,
                config.redis().reconnect().maxDelay(),
                redis.changes(),
                new InstanceRegistry(shared.sync(), config.ownership().leaseTtl()));
        // Heartbeats start now, but what this instance runs is stated once every subscription
        // registered its layout: a statement of a part would be warned about as a disagreement.
        try (OwnershipCoordinator.Registration starting = owners.registering()) {
            owners.start();
            startSubscriptions(handlers);
        }
        // Off the start-up path: a SCAN of a large keyspace must not delay the readers.
        Thread.ofVirtual()
                .name("eventbus-stranded-layouts")
                .start(() -> StrandedLayouts.check(shared, config.partitionedStreams(), config.drainingLayouts()));
        reloader = new PluginReloader(
                config.pluginsDir(),
                plugins,
                pluginConfig,
                new SubscriptionControl() {
                    @Override
                    public void start(List<LoadedHandler> added) {
                        startSubscriptions(added);
                    }

                    @Override
                    public List<StuckWorker> stop(String pluginId) {
                        return stopSubscriptions(
                                c -> c.subscription().handler().pluginId().equals(pluginId), true);
                    }

                    @Override
                    public List<StuckWorker> abandoned(String pluginId) {
                        return abandonedWorkers(pluginId);
                    }
                },
                config.pluginHost().reloadPollInterval(),
                config.pluginHost().reloadQuietPeriod(),
                clock);
        if (config.pluginHost().reload()) {
            reloader.start();
        }
        ready = true;
        progress.finished();
        LOG.info(
                "eventbus running: {} subscription(s), {} plugin(s) refused",
                consumers.size(),
                plugins.failures().size());
    }

    /** This instance's partition leases (test hook: freeze it as a paused process would be). */
    public OwnershipCoordinator ownershipCoordinator() {
        return ownership;
    }

    /** What the operations side reads of this runtime, and the plugin reload it may ask for. */
    /** Where this runtime's Redis clients tell each other, and its loops, of a new view of Redis. */
    public TopologyChanges topologyChanges() {
        return changes;
    }

    public RuntimeView view() {
        return view;
    }

    /**
     * A reader that works still fails its events when their XACKs or dead letters cannot be
     * written (a missing permission, Redis out of memory): reported with it. So does an ordered
     * reader of a partition this instance cannot own (its heartbeat or its lease refused): it reads
     * nothing, and its state said "running" (found from outside, a user without {@code +zadd}).
     */
    private ReaderState withOutcomeFailure(StreamConsumer consumer, ReaderState state) {
        if (!state.failure().isEmpty()) {
            return state;
        }
        Acknowledger a = acks;
        String why = a == null
                ? ""
                : a.failure(state.subscription().stream(), state.subscription().group());
        AckingDeadLetterSink d = deadLetters;
        if (why.isEmpty() && d != null) {
            why = d.failure(state.subscription());
        }
        Lease lease = leases.get(consumer);
        OwnershipCoordinator owners = ownership;
        if (why.isEmpty() && lease != null && owners != null) {
            why = owners.failure(lease);
        }
        return why.isEmpty() ? state : state.failing(why);
    }

    public RuntimeConfig config() {
        return config;
    }

    private synchronized void startSubscriptions(List<LoadedHandler> handlers) {
        OwnershipCoordinator owners = ownership;
        if (owners == null) {
            return; // stopped meanwhile
        }
        // A reload's subscriptions too: their layouts are stated together.
        try (OwnershipCoordinator.Registration registering = owners.registering()) {
            buildAndStart(handlers);
        }
    }

    private void buildAndStart(List<LoadedHandler> handlers) {
        List<StreamConsumer> toStart = new ArrayList<>();
        long builtSince = 0;
        for (LoadedHandler handler : handlers) {
            for (Subscription sub : subscriptionsOf(handler)) {
                String refusal = keys.refusal(sub.stream());
                if (refusal != null) {
                    LOG.error("subscription {} REFUSED, not started, the others go on: {}", sub.name(), refusal);
                    continue;
                }
                progress.stage("creating the consumer group of " + sub.name());
                LayoutDrain gate = gateOf(handler, sub.stream());
                // A new layout's partitions hold only events written after the change: read them all.
                String start = gate == null ? config.consumer().newGroupStart() : "0";
                RuntimeException bootstrap = null;
                try {
                    if (GroupBootstrap.ensure(shared.sync(), sub.stream(), sub.group(), start)) {
                        LOG.info("created consumer group '{}' on stream '{}' at {}", sub.group(), sub.stream(), start);
                    }
                } catch (RuntimeException e) {
                    bootstrap = e; // this subscription only: the others start; its reader retries
                }
                progress.stage("connecting the reader of " + sub.name());
                RedisConnection<byte[], byte[]> connection =
                        redis.connect("reader " + sub.name(), () -> progress.stampedWhile(stopping));
                if (connection == null) {
                    return;
                }
                ReadBudget circuits = new ReadBudget(
                        () -> rpc.readBudget(handler.spec().services()),
                        () -> rpc.pausedBecause(handler.spec().services()));
                StreamConsumer[] built = new StreamConsumer[1];
                Lease lease = needsOwner(sub)
                        ? ownership.register(
                                sub.group(),
                                sub.stream(),
                                () -> built[0] != null && built[0].isIdle(),
                                () -> built[0] == null || built[0].clearedForNewLease())
                        : null;
                StreamConsumer consumer = subscriptions.create(
                        sub,
                        connection,
                        gate == null
                                ? circuits
                                : new ReadBudget(
                                        () -> gate.open() ? circuits.allowed() : 0,
                                        () -> gate.open() ? circuits.pausedBecause() : LayoutDrain.PAUSED_BECAUSE),
                        lease == null ? PartitionGate.OPEN : lease);
                built[0] = consumer;
                if (lease != null) {
                    leases.put(consumer, lease);
                }
                if (gate != null) {
                    LOG.info(
                            "subscription {} waits until the handler's groups on the old layout(s) drained",
                            sub.name());
                }
                if (bootstrap != null) {
                    consumer.groupBootstrapFailed(bootstrap);
                    LOG.error("subscription {} FAILED to start, the others go on: {}", sub.name(), consumer.failure());
                }
                consumers.add(consumer);
                readers = List.copyOf(consumers);
                if (toStart.isEmpty()) {
                    builtSince = System.nanoTime();
                }
                toStart.add(consumer);
                if (System.nanoTime() - builtSince > START_TOGETHER_WITHIN.toNanos()) {
                    startAll(toStart); // building is slow (a node does not answer): those built read now
                }
            }
        }
        startAll(toStart);
    }

    /**
     * Subscriptions built within this of the first one waiting start together: one started as
     * soon as it was built would read while the others still connect, and its reads and handlers
     * would slow their start (on a busy cluster, the last of 8 started 2 s after the first). When
     * building takes longer (a cluster node that does not answer), those built start meanwhile.
     */
    private static final Duration START_TOGETHER_WITHIN = Duration.ofSeconds(2);

    private void startAll(List<StreamConsumer> built) {
        for (StreamConsumer consumer : built) {
            consumer.start();
            Subscription sub = consumer.subscription();
            LOG.info(
                    "subscription {} reading (types {}, in-flight limit {})",
                    sub.name(),
                    sub.types(),
                    config.maxInFlight(sub.handler().name()));
        }
        built.clear();
    }

    /**
     * The drain gate a subscription on {@code key} waits behind: when the key is a partition of the
     * current layout of a stream whose count changes ({@code draining}), else null. One per handler
     * and stream, started with its first subscription.
     */
    private LayoutDrain gateOf(LoadedHandler handler, String key) {
        for (String stream : handler.spec().subscriptions().keySet()) {
            List<dev.eventbus.producer.PartitionedStream> old = config.draining(stream);
            var current = config.partitionedStreams().get(stream);
            if (old.isEmpty() || current == null || !current.keys().contains(key)) {
                continue;
            }
            return drains.computeIfAbsent(handler.name() + "@" + stream, k -> {
                List<String> oldKeys = new ArrayList<>();
                old.forEach(layout -> oldKeys.addAll(layout.keys()));
                LayoutDrain gate = new LayoutDrain(
                        handler.name(),
                        stream,
                        oldKeys,
                        current.keys(),
                        shared.sync(),
                        config.recovery().drainCheckInterval());
                gate.start();
                return gate;
            });
        }
        return null;
    }

    /**
     * An ordered handler on a partitioned stream: each partition is read by one instance at a time,
     * the holder of its lease, so that the events of a subject run in order across instances.
     */
    private boolean needsOwner(Subscription sub) {
        // The partitions of a layout still draining too: they are read in order until drained.
        return config.handler(sub.handler().name()).orderedBySubject()
                && config.logicalStreamOf(sub.stream()).isPresent();
    }

    /**
     * One subscription per stream the handler consumes; a partitioned stream gives one per
     * partition, each with the handler's group, so the existing machinery reads every partition.
     */
    private List<Subscription> subscriptionsOf(LoadedHandler handler) {
        List<Subscription> subs = new ArrayList<>();
        handler.spec()
                .subscriptions()
                .forEach((stream, types) ->
                        config.streamKeys(stream).forEach(key -> subs.add(new Subscription(handler, key, types))));
        return subs;
    }

    /**
     * Stops the matching subscriptions, lets their in-flight events finish within the grace, closes them.
     *
     * @param unloading their plugin is unloaded next: after the grace their handlers are withdrawn
     *     (interrupted, see {@link Dispatcher#withdraw}) before the acknowledgements are flushed
     * @return the workers still running their handlers (only when unloading)
     */
    private synchronized List<StuckWorker> stopSubscriptions(
            java.util.function.Predicate<StreamConsumer> which, boolean unloading) {
        List<StreamConsumer> toStop = consumers.stream().filter(which).toList();
        long deadline = System.nanoTime() + config.consumer().shutdownGrace().toNanos();
        toStop.forEach(StreamConsumer::stop);
        int unfinished = 0;
        for (StreamConsumer c : toStop) {
            try {
                if (!c.awaitIdle(deadline)) {
                    unfinished += c.slotsTaken();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unfinished += c.slotsTaken();
            }
        }
        List<StuckWorker> stuck = unloading
                ? dispatcher.withdraw(
                        toStop.stream().map(StreamConsumer::subscription).toList())
                : List.of();
        for (StreamConsumer c : toStop) {
            consumers.remove(c);
            readers = List.copyOf(consumers);
            c.close();
        }
        if (acks != null) {
            // Acknowledge what finished before anyone reads these groups again (a reloaded version
            // reads its pending entries first and would otherwise see entries already handled).
            acks.flush(Duration.ofSeconds(5));
        }
        for (StreamConsumer c : toStop) {
            Lease lease = leases.remove(c);
            OwnershipCoordinator owners = ownership;
            if (lease != null && owners != null) {
                owners.unregister(lease); // drained and acknowledged: the next owner takes over at once
            }
        }
        if (unfinished > 0) {
            LOG.warn(
                    "shutdown grace {} over: {} event(s) still in flight stay pending and are handled " + "again later",
                    config.consumer().shutdownGrace(),
                    unfinished);
        }
        return stuck;
    }

    /** The workers of a plugin's handlers abandoned after their timeout that still run its code. */
    private synchronized List<StuckWorker> abandonedWorkers(String pluginId) {
        return dispatcher.abandoned(consumers.stream()
                .map(StreamConsumer::subscription)
                .filter(sub -> sub.handler().pluginId().equals(pluginId))
                .toList());
    }

    /** Stops reading, drains in-flight events within the grace period, acknowledges, closes. */
    public void stop() {
        stopping = true;
        // Told first, before anything here may wait on Redis: a reader reads nothing more once
        // stopping (found from outside: with the primary frozen, readers sent new reads for the 10 s
        // the live-set leave waited, and the stop then waited out the last of them).
        readers.forEach(StreamConsumer::stop);
        closeQuietly(reloader); // before taking the lock: a reload in progress finishes first
        OwnershipCoordinator owners = ownership;
        ownership = null; // once: a second stop() finds nothing to leave or release
        if (owners != null) {
            owners.leave(); // the others reassign this instance's partitions while it drains
        }
        synchronized (this) {
            stopSubscriptions(c -> true, false);
            drains.values().forEach(EventbusRuntime::closeQuietly);
            if (owners != null) {
                owners.releaseAll();
            }
            if (dispatcher != null) {
                dispatcher.beginShutdown();
            }
            closeQuietly(acks);
            if (timers != null) {
                timers.shutdownNow();
            }
            closeQuietly(plugins);
            if (shared != null) {
                closeQuietly(shared::close);
            }
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

    /** The runtime as the operations side sees it: reads its parts as they are now, takes no lock. */
    private final class View implements RuntimeView {

        @Override
        public OwnershipView ownership() {
            OwnershipCoordinator o = ownership;
            return o == null ? OwnershipView.none(config.consumerName()) : o.view();
        }

        @Override
        public Optional<String> ownershipUnknown() {
            if (ownership != null) {
                return Optional.empty();
            }
            // No coordinator yet (Redis not connected: found from outside, status said "no live
            // instance" while Redis was down at start) or none any more (stop left the live set).
            return Optional.of(stopping ? "the runtime is stopping" : "the runtime is starting");
        }

        @Override
        public String ownershipFailure() {
            OwnershipCoordinator o = ownership;
            return o == null ? "" : o.failure();
        }

        @Override
        public dev.eventbus.runtime.internal.ReconnectReason ownershipReconnect() {
            RedisConnector r = redis;
            return r == null ? ReconnectReason.UNKNOWN : r.reconnectReason();
        }

        @Override
        public boolean isReady() {
            return ready && !stopping;
        }

        @Override
        public RuntimeConfig config() {
            return config;
        }

        @Override
        public long heldBytes() {
            long sum = 0;
            for (StreamConsumer r : readers) {
                sum += r.heldBytes();
            }
            return sum;
        }

        @Override
        public Map<String, Integer> slotsTaken() {
            Map<String, Integer> taken = new LinkedHashMap<>();
            for (StreamConsumer r : readers) {
                taken.put(r.subscription().name(), r.slotsTaken());
            }
            return taken;
        }

        @Override
        public boolean readersAlive() {
            return readers.stream().allMatch(StreamConsumer::isReadingOrStarting);
        }

        @Override
        public Optional<String> stuck(Duration stall) {
            Optional<String> startup = progress.stalled(stall);
            if (startup.isPresent() || stopping) {
                return startup;
            }
            for (StreamConsumer c : readers) {
                if (!c.comesRound(stall)) {
                    return Optional.of(
                            "a loop of subscription " + c.subscription().name() + " did not come round for " + stall);
                }
            }
            return Optional.empty();
        }

        @Override
        public List<Subscription> subscriptions() {
            return readers.stream().map(StreamConsumer::subscription).toList();
        }

        @Override
        public List<ReaderState> readerStates() {
            return readers.stream().map(c -> withOutcomeFailure(c, c.state())).toList();
        }

        @Override
        public String refusalOf(String streamKey) {
            KeyLayout layout = keys; // null until Redis answered at start
            return layout == null ? null : layout.refusal(streamKey);
        }

        @Override
        public boolean waitsForDrain(String handler, String streamKey) {
            for (LayoutDrain drain : drains.values()) {
                if (drain.group().equals(handler) && drain.holds(streamKey) && !drain.open()) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public List<Circuit> circuits() {
            RpcChannelRegistry r = rpc;
            return r == null ? List.of() : r.circuits();
        }

        @Override
        public AbandonedWorkers.Count abandonedWorkers(String handler) {
            Dispatcher d = dispatcher;
            return d == null
                    ? new AbandonedWorkers.Count(0, 0)
                    : d.abandonedWorkers().of(handler);
        }

        @Override
        public List<LoadedHandler> handlers() {
            PluginHost p = plugins;
            return p == null ? List.of() : p.handlers();
        }

        @Override
        public List<InstalledPlugin> plugins() {
            PluginHost p = plugins;
            return p == null ? List.of() : List.copyOf(p.installed().values());
        }

        @Override
        public InstalledPlugin reloadPlugin(String pluginId) throws IOException {
            PluginReloader r = reloader;
            if (r == null) {
                throw new IllegalStateException("the runtime is not running");
            }
            return r.reloadNow(pluginId);
        }

        @Override
        public Map<String, List<String>> leakedThreads() {
            PluginHost p = plugins;
            return p == null ? Map.of() : p.leakedThreads();
        }

        @Override
        public List<PluginFailure> pluginFailures() {
            PluginHost p = plugins;
            return p == null ? List.of() : p.failures();
        }
    }
}
