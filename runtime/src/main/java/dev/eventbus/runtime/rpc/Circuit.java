package dev.eventbus.runtime.rpc;

import java.time.Duration;
import java.util.List;

/**
 * One gRPC service's circuit breaker as it stands at one moment, for operators.
 *
 * @param consecutiveFailures calls in a row that found the service away
 * @param halfOpenIn while {@link State#OPEN}: time left until it lets a probe through; else zero
 */
public record Circuit(String service, State state, int consecutiveFailures, Duration halfOpenIn) {

    /** Closed: calls flow. Open: callers read nothing. Half-open: one entry at a time probes the service. */
    public enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    /** Why a subscription whose handler calls these services (their circuits open) reads nothing. */
    public static String pausedBy(List<String> open) {
        return "circuit open for service" + (open.size() > 1 ? "s " : " ") + String.join(", ", open);
    }
}
