package dev.eventbus.api;

/**
 * "This event can never succeed": it is malformed or refers to something that does not exist.
 * The runtime moves it to the handler's dead-letter stream at once, with this exception's class
 * and message as the reason, and acknowledges it only after the dead letter is written.
 *
 * @since 0.1
 */
public final class NonRetriableEventException extends EventHandlingException {

    /** @param message why the event can never succeed, for operators */
    public NonRetriableEventException(String message) {
        super(message, null);
    }

    /**
     * @param message why the event can never succeed, for operators
     * @param cause the underlying failure
     */
    public NonRetriableEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
