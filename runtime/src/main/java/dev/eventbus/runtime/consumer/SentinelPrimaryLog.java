package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.HostPort;
import io.lettuce.core.RedisURI;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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

    private final boolean logs;
    private final String masterName;
    private final List<RedisURI> sentinels;
    private final AtomicReference<String> primary = new AtomicReference<>();
    private final Clock clock;
    /** The former primary and when the connections left it, after a failover; null before one. */
    private volatile Failover failover;
    /** When the connection to the current primary dropped; null while connected. */
    private volatile Instant lostAt;

    private record Failover(String from, Instant at) {}

    SentinelPrimaryLog(RedisURI uri, Clock clock) {
        this(uri, clock, true);
    }

    /**
     * @param logs whether this client says what it follows: only the readers' client does (the
     *     runtime's admin side follows the same failovers, and said each a second time)
     */
    SentinelPrimaryLog(RedisURI uri, Clock clock, boolean logs) {
        this.logs = logs;
        this.masterName = uri.getSentinelMasterId();
        this.sentinels = List.copyOf(uri.getSentinels());
        this.clock = clock;
    }

    /**
     * The primary the connections are on, {@code master} as the sentinels named it, with the
     * failover being followed: a dropped connection to it, or a change of primary within {@link
     * StreamNode#RECENT}. Empty before the first connection.
     */
    Optional<StreamNode> current() {
        String now = primary.get();
        if (now == null) {
            return Optional.empty();
        }
        Instant lost = lostAt;
        Failover last = failover;
        String following = "";
        if (lost != null) {
            following = "not connected for "
                    + Duration.between(lost, clock.instant()).toSeconds() + " s: following a failover";
        } else if (last != null) {
            Duration ago = Duration.between(last.at(), clock.instant());
            if (ago.compareTo(StreamNode.RECENT) < 0) {
                following = "followed a failover " + ago.toSeconds() + " s ago (was " + last.from() + ")";
            }
        }
        return Optional.of(new StreamNode(now, "master", following));
    }

    /** Notes a connection dropped: when it was the primary's, the runtime is following a failover. */
    void deactivated(ConnectionDeactivatedEvent event) {
        if (event.remoteAddress() instanceof InetSocketAddress address
                && !isSentinel(address)
                && address(address).equals(primary.get())
                && lostAt == null) {
            lostAt = clock.instant();
        }
    }

    /**
     * Notes a connection made; logs when its node is a new primary.
     *
     * @return whether the connection went to another primary than the connections before it (a
     *     failover followed; not the first connection, not a sentinel's)
     */
    boolean activated(ConnectionActivatedEvent event) {
        SocketAddress remote = event.remoteAddress();
        if (!(remote instanceof InetSocketAddress address) || isSentinel(address)) {
            return false;
        }
        String now = address(address);
        lostAt = null;
        String before = primary.getAndSet(now);
        if (before == null) {
            if (logs) {
                LOG.info("Redis: the sentinels name {} as the primary of '{}'; connected to it", now, masterName);
            }
            return false;
        } else if (!before.equals(now)) {
            failover = new Failover(before, clock.instant());
            if (!logs) {
                return true;
            }
            LOG.warn(
                    "Redis: followed a failover of '{}': the sentinels name {} as the primary now (was {}); "
                            + "connections moved to it",
                    masterName,
                    now,
                    before);
            return true;
        }
        return false;
    }

    /** The {@code host:port} of the node the latest connection went to, or empty before the first. */
    Optional<String> connectedTo() {
        return Optional.ofNullable(primary.get());
    }

    /** Whether a connection to {@code remote} is one to a sentinel (made to ask it), not to a data node. */
    boolean isSentinel(SocketAddress remote) {
        return remote instanceof InetSocketAddress address && isSentinel(address);
    }

    private static String address(InetSocketAddress address) {
        return HostPort.of(address.getHostString(), address.getPort());
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
