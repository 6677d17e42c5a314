package dev.eventbus.api;

import io.grpc.Status;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The gRPC status codes that no retry can fix. When a handler's call fails with one of them (a
 * {@code StatusRuntimeException} or {@code StatusException} anywhere in the cause chain, with no
 * {@link RetriableEventException} nearer the top), the runtime dead-letters the event at once;
 * every other code ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}, ...) is retried. The runtime
 * and the test kit's {@code HandlerHarness} both read this one set.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1
 */
public final class PermanentStatusCodes {

    /** The permanent codes, unmodifiable. */
    public static final Set<Status.Code> CODES = Collections.unmodifiableSet(EnumSet.of(
            Status.Code.INVALID_ARGUMENT,
            Status.Code.NOT_FOUND,
            Status.Code.FAILED_PRECONDITION,
            Status.Code.PERMISSION_DENIED,
            Status.Code.UNIMPLEMENTED,
            Status.Code.OUT_OF_RANGE));

    private PermanentStatusCodes() {}

    /**
     * @param code a gRPC status code
     * @return whether a call failing with it can never succeed by trying again
     */
    public static boolean isPermanent(Status.Code code) {
        return CODES.contains(code);
    }
}
