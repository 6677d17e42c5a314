package dev.eventbus.testkit;

import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.api.PermanentStatusCodes;
import dev.eventbus.api.RetriableEventException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The runtime's rules for turning a handler's exception into an {@link Outcome}. Stateless.
 *
 * <p>The cause chain is searched from the outside in, and the nearest typed signal decides: an
 * {@code EventHandlingException} subtype by its type, a gRPC status exception by its code. So a
 * {@code RetriableEventException} wrapping a {@code NOT_FOUND} is retried, as its author said.
 * A chain without any typed signal is retried.
 */
final class OutcomeRules {

    /** Codes that no retry can fix (the plugin API's one list, which the runtime reads too). */
    static final Set<Status.Code> PERMANENT_CODES = PermanentStatusCodes.CODES;

    private OutcomeRules() {}

    static Outcome classify(Throwable error) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof NonRetriableEventException) {
                return Outcome.deadLetter(error);
            }
            if (t instanceof RetriableEventException) {
                return Outcome.retry(error);
            }
            Status status = t instanceof StatusRuntimeException sre
                    ? sre.getStatus()
                    : t instanceof StatusException se ? se.getStatus() : null;
            if (status != null) {
                return PERMANENT_CODES.contains(status.getCode()) ? Outcome.deadLetter(error) : Outcome.retry(error);
            }
        }
        return Outcome.retry(error);
    }
}
