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
import java.util.function.Function;

/**
 * The runtime's rules for turning a handler's exception into an {@link Outcome}. Stateless.
 *
 * <p>The cause chain is searched from the outside in, and the nearest typed signal decides: an
 * {@code EventHandlingException} subtype by its type, a gRPC status exception by its code. So a
 * {@code RetriableEventException} wrapping a {@code NOT_FOUND} is retried, as its author said.
 * A chain without any typed signal is retried, until the delivery is the last attempt ({@code
 * retry.max-attempts}): then it is dead-lettered, unless it failed only because a service was down
 * (the nearest status is UNAVAILABLE), which the runtime does not count.
 */
final class OutcomeRules {

    /** Codes that no retry can fix (the plugin API's one list, which the runtime reads too). */
    static final Set<Status.Code> PERMANENT_CODES = PermanentStatusCodes.CODES;

    private OutcomeRules() {}

    /**
     * @param attempt the delivery's attempt, from 1
     * @param maxAttempts {@code retry.max-attempts}
     */
    static Outcome classify(Throwable error, int attempt, int maxAttempts) {
        if (permanentReason(error) != null) {
            return Outcome.deadLetter(error);
        }
        boolean serviceDown = Boolean.TRUE.equals(
                nearest(error, t -> status(t) == null ? null : status(t).getCode() == Status.Code.UNAVAILABLE));
        return !serviceDown && attempt >= maxAttempts ? Outcome.deadLetter(error) : Outcome.retry(error);
    }

    /**
     * The dead letter's {@code eventbus-reason} the runtime writes for the failure: for a permanent
     * one, {@code handler-error} (NonRetriableEventException) or {@code rpc-status}; once attempts
     * are used up, {@code timeout} or {@code rpc-status} for the nearest timeout or gRPC status in
     * the cause chain, else {@code handler-error}.
     */
    static String deadLetterReason(Throwable error) {
        String permanent = permanentReason(error);
        if (permanent != null) {
            return permanent;
        }
        String exhausted = nearest(
                error, t -> t instanceof HandlerTimeoutException ? "timeout" : status(t) != null ? "rpc-status" : null);
        return exhausted == null ? "handler-error" : exhausted;
    }

    /** The reason of a failure no retry can fix, or null: the nearest typed signal decides. */
    private static String permanentReason(Throwable error) {
        String reason = nearest(error, t -> {
            if (t instanceof NonRetriableEventException) {
                return "handler-error";
            }
            if (t instanceof RetriableEventException) {
                return "";
            }
            Status status = status(t);
            return status == null ? null : PERMANENT_CODES.contains(status.getCode()) ? "rpc-status" : "";
        });
        return reason == null || reason.isEmpty() ? null : reason;
    }

    /** The first non-null answer along the cause chain, from the outside in. */
    private static <T> T nearest(Throwable error, Function<Throwable, T> answer) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            T a = answer.apply(t);
            if (a != null) {
                return a;
            }
        }
        return null;
    }

    private static Status status(Throwable t) {
        return t instanceof StatusRuntimeException sre
                ? sre.getStatus()
                : t instanceof StatusException se ? se.getStatus() : null;
    }
}
