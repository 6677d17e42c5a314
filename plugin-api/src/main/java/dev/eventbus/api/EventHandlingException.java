package dev.eventbus.api;

/**
 * Root of the failures a handler signals on purpose. Use one of the two subtypes: the type, not a
 * flag, says whether the runtime retries.
 *
 * <p>Messages reach logs and dead-letter entries: say what went wrong and with which identifiers,
 * never include payloads or secrets.
 *
 * @since 0.1
 */
public abstract sealed class EventHandlingException extends RuntimeException
        permits RetriableEventException, NonRetriableEventException {

    /**
     * @param message what went wrong, for operators
     * @param cause the underlying failure, or {@code null}
     */
    protected EventHandlingException(String message, Throwable cause) {
        super(message, cause);
    }
}
