package dev.eventbus.runtime.failure;

import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.api.PermanentStatusCodes;
import dev.eventbus.api.RetriableEventException;
import dev.eventbus.runtime.stream.DeadLetterReason;
import io.grpc.Status;
import java.util.Set;

/**
 * Sorts failures into "may succeed later" and "never will". A handler's own exceptions say so by
 * type; a gRPC status says so by code (searched along the cause chain, so a handler that wraps a
 * StatusRuntimeException is classified by the status).
 */
public final class FailureClassifier {

    /** Codes that will not change by trying again with the same request (the plugin API's one list). */
    static final Set<Status.Code> PERMANENT = PermanentStatusCodes.CODES;

    private FailureClassifier() {}

    /** @return the dead-letter reason for a permanent failure, or {@code null} to retry */
    public static DeadLetterReason permanentReason(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NonRetriableEventException) {
                return DeadLetterReason.HANDLER_ERROR;
            }
            if (t instanceof RetriableEventException) {
                return null;
            }
            Status status = statusOf(t);
            if (status != null) {
                return PERMANENT.contains(status.getCode()) ? DeadLetterReason.RPC_STATUS : null;
            }
        }
        return null;
    }

    /** The reason class of a retriable failure once attempts or age run out. */
    public static DeadLetterReason reasonWhenExhausted(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HandlerTimeoutException) {
                return DeadLetterReason.TIMEOUT;
            }
            if (statusOf(t) != null) {
                return DeadLetterReason.RPC_STATUS;
            }
        }
        return DeadLetterReason.HANDLER_ERROR;
    }

    /** Whether the failure says a called service is away (UNAVAILABLE), not that the event is bad. */
    public static boolean isServiceUnavailable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            Status status = statusOf(t);
            if (status != null) {
                return status.getCode() == Status.Code.UNAVAILABLE;
            }
        }
        return false;
    }

    private static Status statusOf(Throwable t) {
        if (t instanceof io.grpc.StatusRuntimeException sre) {
            return sre.getStatus();
        }
        if (t instanceof io.grpc.StatusException se) {
            return se.getStatus();
        }
        return null;
    }
}
