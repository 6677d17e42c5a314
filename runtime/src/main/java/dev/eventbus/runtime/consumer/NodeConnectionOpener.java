package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.RedisSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import reactor.core.Disposable;

/**
 * Opens connections to one node, named by the URI or by the sentinels it names. With a sentinel
 * URI, every (re)connect asks the sentinels for the primary, so connections follow a failover
 * without a restart; {@link SentinelPrimaryLog} logs where they went.
 *
 * <p>Thread-safe.
 */
final class NodeConnectionOpener implements ConnectionOpener {

    private final RedisClient client;
    private final RedisURI uri;
    private final SentinelPrimaryLog primaries;
    private final TopologyChanges changes;
    private final Disposable watch;

    /** @param changes the runtime's, shared with its other clients */
    NodeConnectionOpener(RedisSettings settings, TopologyChanges changes) {
        this.changes = changes;
        this.uri = RedisConnector.uri(settings);
        this.client = RedisConnector.client(settings);
        this.primaries = settings.sentinel() ? new SentinelPrimaryLog(uri, Clock.systemUTC()) : null;
        this.watch = watch(client, primaries, changes);
    }

    /**
     * Tells each connection made (a node back, the sentinels' new primary) to {@code changes}; with
     * Sentinel, logs the primary the sentinels name, each failover the connections follow, and each drop.
     */
    private static Disposable watch(RedisClient client, SentinelPrimaryLog log, TopologyChanges changes) {
        return client.getResources().eventBus().get().subscribe(event -> {
            if (event instanceof ConnectionActivatedEvent activated) {
                if (log != null) {
                    log.activated(activated);
                }
                changes.changed();
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
    public <K, V> RedisConnection<K, V> open(RedisCodec<K, V> codec) {
        return RedisConnection.of(client.connect(codec, uri));
    }

    @Override
    public void close() {
        watch.dispose();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
