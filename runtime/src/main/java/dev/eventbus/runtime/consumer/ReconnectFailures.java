package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.HostPort;
import io.lettuce.core.ConnectionId;
import io.lettuce.core.event.EventBus;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;

/**
 * Why a client's connections fail to reconnect: the cause of Lettuce's latest {@link
 * ReconnectFailedEvent}, until a connection is made again, and the same for each node. While a
 * connection is down Lettuce rejects its commands with "Currently not connected", which says
 * nothing of why; its reconnect attempts know (connection refused, a TLS handshake, a refused
 * login), and the line its ConnectionWatchdog logs of them is not logged (logback.xml).
 *
 * <p>The latest failure is forgotten at any connection made, as a failover's new primary is
 * reached at another address: a reason shown is then never one that no longer holds (at worst
 * none is known until the next attempt fails). A node's own is forgotten once a connection to it
 * is made: a cluster client's readiness names each primary that does not answer, with its reason.
 *
 * <p>Thread-safe.
 */
final class ReconnectFailures implements AutoCloseable {

    private final AtomicReference<Throwable> last = new AtomicReference<>();
    private final Map<String, Throwable> byNode = new ConcurrentHashMap<>();
    private final Disposable watch;

    ReconnectFailures(EventBus bus) {
        // An error would end the subscription, and with it every later reason: none may reach it.
        this.watch = bus.get().subscribe(this::seenSafely);
    }

    private void seenSafely(Object event) {
        try {
            seen(event);
        } catch (RuntimeException e) {
            // A reason missed (an event of a shape not foreseen) costs only its wording.
        }
    }

    /** Tells this of one of the client's events. */
    void seen(Object event) {
        if (event instanceof ReconnectFailedEvent failed) {
            Throwable cause = failed.getCause() != null
                    ? failed.getCause()
                    : new IllegalStateException("reconnect failed, no cause given");
            byNode.put(node(failed), cause);
            last.set(cause);
        } else if (event instanceof ConnectionActivatedEvent activated) {
            byNode.remove(node(activated));
            last.set(null);
        }
    }

    /** The latest reconnect attempt's failure, when no connection was made since. */
    Optional<Throwable> last() {
        return Optional.ofNullable(last.get());
    }

    /** The latest reconnect attempt's failure to the node at {@code host:port}, when none was made to it since. */
    Optional<Throwable> of(String address) {
        return Optional.ofNullable(byNode.get(address));
    }

    /** The event's node, {@code host:port} as {@link HostPort} writes it (as the cluster's view is written). */
    private static String node(ConnectionId event) {
        SocketAddress remote = event.remoteAddress();
        return remote instanceof InetSocketAddress inet
                ? HostPort.of(inet.getHostString(), inet.getPort())
                : String.valueOf(remote);
    }

    @Override
    public void close() {
        watch.dispose();
    }
}
