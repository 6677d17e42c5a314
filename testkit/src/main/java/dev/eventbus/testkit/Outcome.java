package dev.eventbus.testkit;

import java.util.Objects;

/**
 * What the runtime would do with an event after one delivery to a handler.
 *
 * <p>Immutable.
 *
 * @param kind success (acknowledge), retry later, dead-letter now, or skipped (not a consumed type)
 * @param error what the handler threw; {@code null} exactly when {@code kind} is {@code SUCCESS} or {@code SKIPPED}
 */
public record Outcome(Kind kind, Throwable error) {

    /** The three ways a delivery ends. */
    public enum Kind {
        /** The handler returned: the runtime acknowledges the entry. */
        SUCCESS,
        /** A transient failure: the runtime retries with backoff under the handler's policy. */
        RETRY,
        /**
         * A permanent failure, or a failure of the last attempt ({@code retry.max-attempts}): the
         * runtime moves the event to the dead-letter stream now.
         */
        DEAD_LETTER,
        /** The event's type is not one the handler consumes: the runtime acknowledges it without a call. */
        SKIPPED
    }

    /** Checks that an error is present exactly for failures. */
    public Outcome {
        Objects.requireNonNull(kind, "kind");
        boolean clean = kind == Kind.SUCCESS || kind == Kind.SKIPPED;
        if (clean != (error == null)) {
            throw new IllegalArgumentException(kind + " must " + (clean ? "not " : "") + "carry an error");
        }
    }

    /** @return a success */
    public static Outcome success() {
        return new Outcome(Kind.SUCCESS, null);
    }

    /** @return a skip: the handler was not called */
    public static Outcome skipped() {
        return new Outcome(Kind.SKIPPED, null);
    }

    /**
     * @param error the failure
     * @return a retry
     */
    public static Outcome retry(Throwable error) {
        return new Outcome(Kind.RETRY, error);
    }

    /**
     * @param error the failure
     * @return a dead letter
     */
    public static Outcome deadLetter(Throwable error) {
        return new Outcome(Kind.DEAD_LETTER, error);
    }

    /**
     * @return for {@code DEAD_LETTER}, the dead letter's {@code eventbus-reason} as the runtime writes
     *     it: {@code handler-error} (a {@code NonRetriableEventException}, or attempts used up on an
     *     untyped failure), {@code rpc-status} (a gRPC status) or {@code timeout} (the handler ran
     *     past its timeout: a {@link HandlerTimeoutException}); null otherwise
     */
    public String reason() {
        return kind == Kind.DEAD_LETTER ? OutcomeRules.deadLetterReason(error) : null;
    }

    @Override
    public String toString() {
        return error == null ? kind.name() : kind + "(" + error + ")";
    }
}
