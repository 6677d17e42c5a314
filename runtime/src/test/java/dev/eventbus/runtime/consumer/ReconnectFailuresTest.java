package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.event.DefaultEventBus;
import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import io.lettuce.core.event.connection.ReconnectFailedEvent;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

class ReconnectFailuresTest {

    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 50000);
    private static final InetSocketAddress A = new InetSocketAddress("127.0.0.1", 7000);
    private static final InetSocketAddress B = new InetSocketAddress("127.0.0.1", 7001);
    private static final Throwable REFUSED = new ConnectException("Connection refused");

    private final ReconnectFailures failures = new ReconnectFailures(new DefaultEventBus(Schedulers.immediate()));

    /** A cluster's readiness names each primary that does not answer with its own reason (found from outside: it gave none). */
    @Test
    void eachNodeKeepsItsReasonUntilAConnectionToItIsMade() {
        failures.seen(new ReconnectFailedEvent(LOCAL, A, REFUSED, 1));
        failures.seen(new ConnectionActivatedEvent(LOCAL, B));

        assertEquals(Optional.of(REFUSED), failures.of("127.0.0.1:7000"));
        assertEquals(Optional.empty(), failures.of("127.0.0.1:7001"));

        failures.seen(new ConnectionActivatedEvent(LOCAL, A));
        assertEquals(Optional.empty(), failures.of("127.0.0.1:7000"));
    }

    /** The latest failure is forgotten at any connection made: a failover's new primary has another address. */
    @Test
    void theLatestFailureEndsWithAnyConnectionMade() {
        failures.seen(new ReconnectFailedEvent(LOCAL, A, REFUSED, 1));
        assertEquals(Optional.of(REFUSED), failures.last());

        failures.seen(new ConnectionActivatedEvent(LOCAL, B));
        assertEquals(Optional.empty(), failures.last());
    }

    @Test
    void anUnresolvedAddressIsNamedAsConfigured() {
        failures.seen(new ReconnectFailedEvent(LOCAL, InetSocketAddress.createUnresolved("redis-a", 7000), REFUSED, 1));
        assertEquals(Optional.of(REFUSED), failures.of("redis-a:7000"));
    }

    /**
     * Found by review: an event without a cause threw (a null value in the map) in the bus's
     * subscriber, which would end the subscription and every later reason with it.
     */
    @Test
    void anEventWithoutACauseIsNotedWithoutThrowing() {
        failures.seen(new ReconnectFailedEvent(LOCAL, A, null, 1));
        assertTrue(failures.of("127.0.0.1:7000").isPresent());
        assertTrue(failures.last().isPresent());
    }
}
