package dev.eventbus.runtime.consumer;

import io.lettuce.core.event.EventBus;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;

/**
 * Why a client's connections fail to reconnect: the cause of Lettuce's latest {@link
 * ReconnectFailedEvent}, until a connection is made again. While a connection is down Lettuce
 * rejects its commands with "Currently not connected", which says nothing of why; its reconnect
 * attempts know (connection refused, a TLS handshake, a refused login), and the line its
 * ConnectionWatchdog logs of them is not logged (logback.xml).
 *
 * <p>Thread-safe.
 */
final class ReconnectFailures implements AutoCloseable {

    private final AtomicReference<Throwable> last = new AtomicReference<>();
    private final Disposable watch;

    ReconnectFailures(EventBus bus) {
        this.watch = bus.get().subscribe(event -> {
            if (event instanceof ReconnectFailedEvent failed) {
                last.set(failed.getCause());
            } else if (event instanceof ConnectionActivatedEvent) {
                last.set(null);
            }
        });
    }

    /** The latest reconnect attempt's failure, when no connection was made since. */
    Optional<Throwable> last() {
        return Optional.ofNullable(last.get());
    }

    @Override
    public void close() {
        watch.dispose();
    }
}
