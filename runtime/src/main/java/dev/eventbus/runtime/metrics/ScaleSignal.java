package dev.eventbus.runtime.metrics;

import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.rpc.Circuit;
import java.util.Collection;
import java.util.Set;

/**
 * The work more instances could do now on one subscription: the entries not yet delivered to the
 * group (lag) plus the pending entries no one is held back from, that is, not waiting for a
 * retry's due time. A subscription whose handler calls a service with an open (or half-open)
 * circuit reads nothing but one probe, however many instances run, so all of its backlog waits on
 * the circuit and its signal is 0: an autoscaler fed this does not scale into a dead dependency,
 * as one fed the lag does.
 *
 * <p>Stateless; the metrics poller computes it from each reading.
 */
public final class ScaleSignal {

    private ScaleSignal() {}

    /**
     * @param waitingOnCircuit whether a circuit of the handler's services is not closed now
     *     ({@link #waitsOnCircuit})
     * @return the entries more instances could take now; NaN when Redis cannot tell the lag (as
     *     the lag gauge)
     */
    public static double workable(SubscriptionStatus status, boolean waitingOnCircuit) {
        if (waitingOnCircuit) {
            return 0;
        }
        if (status.lag() < 0) {
            return Double.NaN;
        }
        long pendingTakeable = Math.max(0, status.pending() - status.retriesNotDue());
        return status.lag() + pendingTakeable;
    }

    /** Whether one of these services' circuits is open or probing (half-open), so reading waits on it. */
    public static boolean waitsOnCircuit(Set<String> services, Collection<Circuit> circuits) {
        for (Circuit c : circuits) {
            if (c.state() != Circuit.State.CLOSED && services.contains(c.service())) {
                return true;
            }
        }
        return false;
    }
}
