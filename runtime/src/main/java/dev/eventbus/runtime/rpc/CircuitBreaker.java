package dev.eventbus.runtime.rpc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gRPC service's circuit: closed while calls succeed; open after {@code threshold} failures in
 * a row that say the service is away (UNAVAILABLE, DEADLINE_EXCEEDED); after {@code openFor} it lets
 * traffic through again (half-open), and the next call decides: success closes it, failure opens it
 * again. Subscriptions whose handlers call the service read nothing while it is open, so their
 * events wait in Redis instead of burning attempts.
 *
 * <p>Thread-safe.
 */
public final class CircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

    private final String service;
    private final int threshold;
    private final Duration openFor;
    private final Clock clock;
    private int consecutiveFailures;
    /** Volatile: read without the lock by every call ({@link #readBudget}); written under it. */
    private volatile Instant openUntil;

    public CircuitBreaker(String service, int threshold, Duration openFor, Clock clock) {
        this.service = service;
        this.threshold = threshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    /** Entries its callers may take now: unbounded when closed, none when open, one when probing. */
    public int readBudget() {
        Instant until = openUntil;
        if (until == null) {
            return Integer.MAX_VALUE;
        }
        return clock.instant().isBefore(until) ? 0 : 1;
    }

    /** Where the circuit stands now (for operators; the read path uses {@link #readBudget()}). */
    public synchronized Circuit circuit() {
        if (openUntil == null) {
            return new Circuit(service, Circuit.State.CLOSED, consecutiveFailures, Duration.ZERO);
        }
        Duration left = Duration.between(clock.instant(), openUntil);
        return left.isNegative() || left.isZero()
                ? new Circuit(service, Circuit.State.HALF_OPEN, consecutiveFailures, Duration.ZERO)
                : new Circuit(service, Circuit.State.OPEN, consecutiveFailures, left);
    }

    public synchronized void recordSuccess() {
        if (openUntil != null) {
            LOG.info("circuit for {} closed: the service answers again", service);
        }
        consecutiveFailures = 0;
        openUntil = null;
    }

    public synchronized void recordUnavailable(String status) {
        if (threshold <= 0) {
            return;
        }
        consecutiveFailures++;
        Instant now = clock.instant();
        if (openUntil != null && now.isBefore(openUntil)) {
            return; // already open: calls started before it opened are still failing
        }
        boolean probeFailed = openUntil != null;
        if (probeFailed || consecutiveFailures >= threshold) {
            openUntil = now.plus(openFor);
            LOG.warn(
                    "circuit for {} open for {} after {} failure(s) in a row ({}): subscriptions calling it pause "
                            + "reading",
                    service,
                    openFor,
                    consecutiveFailures,
                    status);
        }
    }
}
