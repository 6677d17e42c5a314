package dev.eventbus.runtime.consumer;

import io.lettuce.core.RedisURI;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says which node the sentinels sent the runtime's connections to, and when that changes: Lettuce
 * asks the sentinels for the primary on every (re)connect, so after a failover the connections land
 * on the promoted node by themselves, and this is where an operator reads that they did.
 *
 * <p>Fed with the client's connection events; the connections to the sentinels themselves (made
 * for the look-up) are told apart by their address. Thread-safe: events come from Lettuce's threads.
 */
final class SentinelPrimaryLog {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelPrimaryLog.class);

    private final String masterName;
    private final List<RedisURI> sentinels;
    private final AtomicReference<String> primary = new AtomicReference<>();

    SentinelPrimaryLog(RedisURI uri) {
        this.masterName = uri.getSentinelMasterId();
        this.sentinels = List.copyOf(uri.getSentinels());
    }

    /** Notes a connection made; logs when its node is a new primary. */
    void activated(ConnectionActivatedEvent event) {
        SocketAddress remote = event.remoteAddress();
        if (!(remote instanceof InetSocketAddress address) || isSentinel(address)) {
            return;
        }
        String now = address.getHostString() + ":" + address.getPort();
        String before = primary.getAndSet(now);
        if (before == null) {
            LOG.info("Redis: the sentinels name {} as the primary of '{}'; connected to it", now, masterName);
        } else if (!before.equals(now)) {
            LOG.warn(
                    "Redis: followed a failover of '{}': the sentinels name {} as the primary now (was {}); "
                            + "connections moved to it",
                    masterName,
                    now,
                    before);
        }
    }

    private boolean isSentinel(InetSocketAddress address) {
        for (RedisURI sentinel : sentinels) {
            if (sentinel.getPort() == address.getPort()
                    && (sentinel.getHost().equals(address.getHostString())
                            || address.getAddress() != null
                                    && sentinel.getHost()
                                            .equals(address.getAddress().getHostAddress()))) {
                return true;
            }
        }
        return false;
    }
}
