package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.RedisSettings;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import java.time.Duration;
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
    private final Disposable primaryWatch;

    NodeConnectionOpener(RedisSettings settings) {
        this.uri = RedisConnector.uri(settings);
        this.client = RedisConnector.client(settings);
        this.primaryWatch = settings.sentinel() ? watchPrimary(client, uri) : null;
    }

    /** Logs the primary the sentinels name, and each failover the connections follow. */
    private static Disposable watchPrimary(RedisClient client, RedisURI uri) {
        SentinelPrimaryLog log = new SentinelPrimaryLog(uri);
        return client.getResources()
                .eventBus()
                .get()
                .ofType(ConnectionActivatedEvent.class)
                .subscribe(log::activated);
    }

    @Override
    public <K, V> RedisConnection<K, V> open(RedisCodec<K, V> codec) {
        return RedisConnection.of(client.connect(codec, uri));
    }

    @Override
    public void close() {
        if (primaryWatch != null) {
            primaryWatch.dispose();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
