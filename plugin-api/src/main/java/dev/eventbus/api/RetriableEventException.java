package dev.eventbus.api;

/**
 * "Try again later": the event may succeed on a later attempt (a dependency is down, a lock is
 * held). The runtime retries it with backoff under the handler's retry policy, with the same
 * idempotency key, and dead-letters it when attempts or age run out. Any exception that is not an
 * {@link EventHandlingException} is treated the same way.
 *
 * @since 0.1
 */
public final class RetriableEventException extends EventHandlingException {

    /** @param message what went wrong, for operators */
    public RetriableEventException(String message) {
        super(message, null);
    }

    /**
     * @param message what went wrong, for operators
     * @param cause the underlying failure
     */
    public RetriableEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
