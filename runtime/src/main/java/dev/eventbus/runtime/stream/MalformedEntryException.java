package dev.eventbus.runtime.stream;

/** An entry that can never reach a handler; carries the dead-letter reason class. */
public final class MalformedEntryException extends Exception {

    private final DeadLetterReason reason;

    public MalformedEntryException(DeadLetterReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DeadLetterReason reason() {
        return reason;
    }
}
