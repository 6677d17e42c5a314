package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.RedisSettings;
import io.lettuce.core.Delegating;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisChannelWriter;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import io.lettuce.core.protocol.DefaultEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import reactor.core.Disposable;

/**
 * Opens connections to one node, named by the URI or by the sentinels it names. With a sentinel
 * URI, every (re)connect asks the sentinels for the primary, so connections follow a failover
 * without a restart; {@link SentinelPrimaryLog} logs where they went. A primary that freezes with
 * the connections open is left by the {@link SentinelFollower}: a stream read to it times out after
 * its BLOCK plus {@link ReadTimeouts#READ_MARGIN} (not the command timeout), the reader says so
 * ({@link TopologyChanges#commandTimedOut}), and once the sentinels name another node the
 * connections are dropped and reconnect there.
 *
 * <p>Thread-safe.
 */
final class NodeConnectionOpener implements ConnectionOpener {

    private final RedisClient client;
    private final RedisURI uri;
    private final SentinelPrimaryLog primaries;
    private final TopologyChanges changes;
    private final Disposable watch;
    private final ReconnectFailures reconnectFailures;
    /** With Sentinel, null otherwise. */
    private final SentinelFollower follower;
    /** The follower's thread, which asks the sentinels (with Sentinel, null otherwise). */
    private final ExecutorService asker;

    /** Asks the sentinels for the primary (with Sentinel): how {@code changes} reaches this client. */
    private final Runnable ask;

    private final Runnable unregister;
    /** With Sentinel, null otherwise. */
    private final SentinelAnswers sentinels;

    /** With Sentinel: the connections opened and not closed, to move off a frozen primary. */
    private final Set<StatefulRedisConnection<?, ?>> opened = ConcurrentHashMap.newKeySet();

    /**
     * @param changes the runtime's, shared with its other clients
     * @param readersClient whether the stream readers read through this client: only then does a
     *     failover it follows end their waits (see {@link ConnectionOpener#of(RedisSettings,
     *     TopologyChanges, boolean)})
     */
    NodeConnectionOpener(RedisSettings settings, TopologyChanges changes, boolean readersClient) {
        this.changes = changes;
        this.uri = RedisConnector.uri(settings);
        this.client = RedisConnector.client(settings);
        if (settings.sentinel()) {
            client.setOptions(client.getOptions()
                    .mutate()
                    .timeoutOptions(TimeoutOptions.builder()
                            .timeoutSource(new ReadTimeouts(settings.commandTimeout()))
                            .build())
                    .build());
            this.primaries = new SentinelPrimaryLog(uri, Clock.systemUTC(), readersClient);
            this.asker = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                    .name("eventbus-sentinel-ask")
                    .daemon(true)
                    .factory());
            this.follower = new SentinelFollower(
                    SentinelFollower.askingSentinels(client, uri),
                    uri.getSentinelMasterId(),
                    primaries::connectedTo,
                    this::moveConnections,
                    asker,
                    System::nanoTime,
                    readersClient);
            this.sentinels = new SentinelAnswers(client, uri, SentinelFollower.ASK_TIMEOUT);
            this.ask = follower::commandTimedOut;
            this.unregister = changes.addRefresh(ask);
        } else {
            this.primaries = null;
            this.asker = null;
            this.follower = null;
            this.sentinels = null;
            this.ask = () -> {};
            this.unregister = () -> {};
        }
        this.watch = watch(client, primaries, changes, readersClient, ask);
        this.reconnectFailures = new ReconnectFailures(client.getResources().eventBus());
    }

    /**
     * Tells each connection made (a node back, the sentinels' new primary) to {@code changes}; with
     * Sentinel, logs the primary the sentinels name, each failover the connections follow, and each
     * drop. A connection to a sentinel (made to ask it) is no change. A failover followed is a new
     * topology when the readers read through this client (it ends their waits); either way the
     * other clients ask the sentinels now, as their connections may still be on the old primary.
     */
    private static Disposable watch(
            RedisClient client, SentinelPrimaryLog log, TopologyChanges changes, boolean readersClient, Runnable ask) {
        return client.getResources().eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionActivatedEvent activated) {
                if (log == null) {
                    changes.changed();
                } else if (!log.isSentinel(activated.remoteAddress())) {
                    boolean failover = log.activated(activated);
                    if (failover && readersClient) {
                        changes.topologyChanged(ask);
                    } else {
                        changes.changed();
                        if (failover) {
                            changes.askRefresh(ask); // the readers' client's own move wakes them
                        }
                    }
                }
            } else if (event instanceof ConnectionDeactivatedEvent deactivated && log != null) {
                log.deactivated(deactivated);
            }
        });
    }

    @Override
    public TopologyChanges changes() {
        return changes;
    }

    @Override
    public Optional<StreamNode> nodeOf(String key) {
        return primaries == null ? Optional.empty() : primaries.current();
    }

    @Override
    public Optional<SentinelAnswers> sentinels() {
        return Optional.ofNullable(sentinels);
    }

    @Override
    public Optional<Throwable> reconnectFailure() {
        return reconnectFailures.last();
    }

    @Override
    public Optional<Throwable> reconnectFailureOf(String address) {
        return reconnectFailures.of(address);
    }

    @Override
    public <K, V> RedisConnection<K, V> open(RedisCodec<K, V> codec) {
        StatefulRedisConnection<K, V> connection = client.connect(codec, uri);
        if (follower != null) {
            opened.removeIf(c -> ((RedisChannelHandler<?, ?>) c).isClosed());
            opened.add(connection);
        }
        return RedisConnection.of(connection, reconnectFailures::last);
    }

    /**
     * Drops every open connection's channel: Lettuce reconnects each, asking the sentinels for the
     * primary. Commands that were waiting on a dropped channel fail or are sent again after the
     * reconnect, as after any connection loss.
     */
    private void moveConnections() {
        opened.removeIf(c -> ((RedisChannelHandler<?, ?>) c).isClosed());
        for (StatefulRedisConnection<?, ?> c : opened) {
            RedisChannelWriter writer = ((RedisChannelHandler<?, ?>) c).getChannelWriter();
            while (writer instanceof Delegating<?> delegating
                    && delegating.getDelegate() instanceof RedisChannelWriter inner) {
                writer = inner;
            }
            if (writer instanceof DefaultEndpoint endpoint) {
                endpoint.disconnect();
            }
        }
    }

    @Override
    public void close() {
        unregister.run();
        if (asker != null) {
            asker.shutdownNow(); // the sentinel connection closes with the client
        }
        watch.dispose();
        reconnectFailures.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
