package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.RedisSettings;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.resource.ClientResources;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Opens connections to a Redis Cluster from its seed nodes. Each connection sends a command to the
 * primary of its key's slot, and follows the cluster's topology: refreshed periodically, and at once
 * (at most once a second) when a node answers MOVED or ASK or a connection keeps failing to reconnect, so a promoted replica or a migrated slot is
 * found without a restart; and at once when another client of the runtime saw a new topology
 * ({@link TopologyChanges}).
 *
 * <p>Thread-safe.
 */
final class ClusterConnectionOpener implements ConnectionOpener {

    /** Often enough to find a promoted replica soon even when no command has failed yet. */
    private static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(10);

    /**
     * At most one refresh a second on MOVED, ASK or reconnects. Lettuce's 30 s would spend the one
     * refresh of a primary's crash before its replica is promoted, leaving the runtime on the dead
     * node until the next periodic refresh.
     */
    private static final Duration ADAPTIVE_REFRESH_SPACING = Duration.ofSeconds(1);

    /**
     * How long a topology refresh waits for a node's answer, and any new connection for its
     * connect and handshake (TCP, TLS, HELLO/AUTH: Lettuce's handshake timer starts before the
     * connect, so the 5 s connect timeout below no longer matters): the seeds' URI timeout, which
     * Lettuce uses for both. Commands keep {@code redis.command-timeout}. A refresh opens a
     * connection to every node and waits for all of them, so with the command timeout a frozen node
     * (SIGSTOP, a cut that keeps connections open) held every refresh for 10 s or more, and the
     * runtime found the node's promoted replica 18 s after the promotion ({@code
     * ClusterFrozenPrimaryIT}). A node whose connection takes longer than this to set up is tried
     * again with the reconnect back-off.
     */
    static final Duration TOPOLOGY_TIMEOUT = Duration.ofSeconds(2);

    private static final Logger LOG = LoggerFactory.getLogger(ClusterConnectionOpener.class);

    private final ClientResources resources;
    private final RedisClusterClient client;
    private final ClusterTopologyLog topology;
    /**
     * A refresh another client asks for runs at most once in this spacing: two clients whose views
     * differ for a moment mid-failover would otherwise have each other refresh back and forth.
     */
    private static final Duration ASKED_REFRESH_SPACING = Duration.ofMillis(500);

    private final TopologyChanges changes;
    private final Disposable topologyWatch;
    private final ReconnectFailures reconnectFailures;
    /** Another client saw a new topology or a timed-out command: this one reads the cluster's now. */
    private final Runnable refresh;

    private final Runnable leave;
    /**
     * The cluster connections opened here and still open (pruned as they close): on a new topology
     * each connects to the new primaries before the news goes out.
     */
    private final Set<StatefulRedisClusterConnection<?, ?>> opened = ConcurrentHashMap.newKeySet();

    /** Connections to a new view's primaries being made, before its news goes out. */
    private final AtomicInteger warming = new AtomicInteger();

    ClusterConnectionOpener(RedisSettings settings) {
        this(settings, new TopologyChanges(), true);
    }

    /**
     * @param changes the runtime's, shared with its other clients
     * @param readersClient whether the readers read through this client ({@link ConnectionOpener#of(RedisSettings,
     *     TopologyChanges, boolean)})
     */
    ClusterConnectionOpener(RedisSettings settings, TopologyChanges changes, boolean readersClient) {
        this.changes = changes;
        List<RedisURI> seeds = RedisConnector.clusterSeeds(settings);
        for (RedisURI seed : seeds) {
            if (seed.getTimeout().compareTo(TOPOLOGY_TIMEOUT) > 0) {
                seed.setTimeout(TOPOLOGY_TIMEOUT);
            }
        }
        this.resources = RedisConnector.resources(settings);
        this.client = RedisClusterClient.create(resources, seeds);
        this.reconnectFailures = new ReconnectFailures(resources.eventBus());
        this.refresh = new AskedRefreshes(client::refreshPartitionsAsync, ASKED_REFRESH_SPACING, System::nanoTime);
        ClusterClientOptions.Builder options = ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(TOPOLOGY_REFRESH)
                        .enableAllAdaptiveRefreshTriggers()
                        .adaptiveRefreshTriggersTimeout(ADAPTIVE_REFRESH_SPACING)
                        .build())
                .nodeFilter(ClusterConnectionOpener::inView)
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(settings.requestQueueSize())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .keepAlive(true)
                        .build())
                .timeoutOptions(TimeoutOptions.builder()
                        .timeoutSource(new ReadTimeouts(settings.commandTimeout()))
                        .build());
        if (settings.tlsEnabled() && settings.tls().hasMaterial()) {
            options.sslOptions(RedisConnector.sslOptions(settings.tls()));
        }
        client.setOptions(options.build());
        this.topology = new ClusterTopologyLog(this::partitions, Clock.systemUTC(), readersClient);
        this.topologyWatch = client.getResources().eventBus().get().subscribe(event -> {
            if (event instanceof ClusterTopologyChangedEvent changed) {
                topology.changed(changed);
                if (!readersClient) {
                    changes.askRefresh(refresh); // the readers' client's own new topology wakes them
                    return;
                }
                // News only once the open connections reach the new primaries (a promoted replica):
                // woken before, every loop's first command there was rejected while its connection
                // was being made, and readiness said "failing" just after events flowed again.
                warming.incrementAndGet();
                connectNewPrimaries().whenComplete((ignored, e) -> {
                    warming.decrementAndGet();
                    try {
                        changes.topologyChanged(refresh);
                    } catch (RuntimeException | Error failed) {
                        LOG.warn("telling the runtime of a new cluster topology failed", failed);
                    }
                });
            } else if (event instanceof ConnectionActivatedEvent && warming.get() == 0) {
                // While connections to a new view's primaries are made, theirs would wake the loops
                // before the rest are made: the news of the view, right after, wakes every one.
                changes.changed();
            }
        });
        this.leave = changes.addRefresh(refresh);
    }

    @Override
    public TopologyChanges changes() {
        return changes;
    }

    @Override
    public Optional<Throwable> reconnectFailure() {
        return reconnectFailures.last();
    }

    @Override
    public Optional<Throwable> reconnectFailureOf(String address) {
        return reconnectFailures.of(address);
    }

    /** The client's view of the topology, or null before it has one. */
    private Partitions partitions() {
        try {
            return client.getPartitions();
        } catch (RedisException e) {
            return null;
        }
    }

    @Override
    public Optional<StreamNode> nodeOf(String key) {
        return topology.nodeOf(key);
    }

    /**
     * Connects to every primary that serves slots and is not marked failing, side by side, and
     * waits for them at most {@link #PRIMARIES_WAIT}: Lettuce opens a node's connection on its first
     * command, and with commands rejected while disconnected that first command would fail (a one-shot
     * operator command with it). A primary that does not answer within the wait goes on connecting
     * in the background; a command routed to it waits for that connection. Keyed by host and port,
     * as Lettuce keys the connections it routes slots to.
     *
     * <p>Side by side, and bounded, because the runtime opens a connection per subscription at
     * start: one handshake after another made the last subscriptions of a busy cluster start a
     * second or more after the first, and a frozen primary (not yet failed over, or failed but still
     * listed) held every open for its connection timeout.
     */
    @Override
    public <K, V> RedisConnection<K, V> open(RedisCodec<K, V> codec) {
        StatefulRedisClusterConnection<K, V> connection = client.connect(codec);
        opened.removeIf(c -> !c.isOpen());
        opened.add(connection);
        try {
            connectPrimaries(connection).get(PRIMARIES_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.debug("a primary did not connect within {} ms: it goes on connecting", PRIMARIES_WAIT.toMillis());
        } catch (ExecutionException e) {
            LOG.debug("connecting the primaries: {}", e.toString()); // each failure was handled above
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return RedisConnection.of(connection, reconnectFailures::last);
    }

    /**
     * Has every open connection connect to the primaries of the client's new view it has no
     * connection to yet, side by side; done when they are, or after {@link #PRIMARIES_WAIT}, never
     * failed. A connection that has one already finds it at once.
     */
    private CompletableFuture<Void> connectNewPrimaries() {
        opened.removeIf(c -> !c.isOpen());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (StatefulRedisClusterConnection<?, ?> connection : opened) {
            all.add(connectPrimaries(connection));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .completeOnTimeout(null, PRIMARIES_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Connects {@code connection} to every primary of its view worth connecting, side by side:
     * done when each is connected or failed (a failure is logged at debug and not passed on).
     */
    private static CompletableFuture<Void> connectPrimaries(StatefulRedisClusterConnection<?, ?> connection) {
        List<CompletableFuture<?>> nodes = new ArrayList<>();
        for (RedisClusterNode node : connection.getPartitions()) {
            if (worthConnecting(node)) {
                RedisURI uri = node.getUri();
                CompletableFuture<?> connected;
                try {
                    connected = connection.getConnectionAsync(uri.getHost(), uri.getPort());
                } catch (RuntimeException e) {
                    connected = CompletableFuture.failedFuture(e);
                }
                nodes.add(connected.exceptionally(e -> {
                    LOG.debug("primary {} not connected yet: {}", uri, e.toString());
                    return null;
                }));
            }
        }
        return CompletableFuture.allOf(nodes.toArray(CompletableFuture[]::new));
    }

    /** How long an open, or the news of a new topology, waits for the primaries' connections at most. */
    static final Duration PRIMARIES_WAIT = Duration.ofSeconds(1);

    /**
     * Whether a node stays in the client's view of the cluster: not one the cluster has marked
     * failed (FAIL, agreed by a majority of primaries; a node's own suspicion, PFAIL, is not enough).
     * A primary that froze (SIGSTOP, a cut that keeps connections open) stays listed, failed, until
     * it answers again; kept in the view, the client kept its connections, and the commands already
     * sent there (an acknowledgement, the janitor's, the retry poller's) each waited out the whole
     * command timeout after the promotion, turning readiness 503 again for seconds once events
     * flowed. Out of the view, its connections close as stale at the next topology (the commands on
     * them fail at once and are tried again on the promoted node), and the refreshes stop asking it.
     */
    static boolean inView(RedisClusterNode node) {
        return !node.is(RedisClusterNode.NodeFlag.FAIL) && !node.is(RedisClusterNode.NodeFlag.NOADDR);
    }

    /** A primary that serves slots and that the cluster does not mark failing. */
    private static boolean worthConnecting(RedisClusterNode node) {
        return node.is(RedisClusterNode.NodeFlag.UPSTREAM)
                && !node.getSlots().isEmpty()
                && !node.is(RedisClusterNode.NodeFlag.FAIL)
                && !node.is(RedisClusterNode.NodeFlag.EVENTUAL_FAIL)
                && !node.is(RedisClusterNode.NodeFlag.NOADDR);
    }

    /** The client's resources, where its reconnect back-off lives. */
    ClientResources resources() {
        return client.getResources();
    }

    @Override
    public void close() {
        leave.run();
        topologyWatch.dispose();
        reconnectFailures.close();
        opened.clear();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3000);
    }
}
