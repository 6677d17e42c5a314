package dev.eventbus.runtime.stream;

/** Why an event went to a dead-letter stream: the {@code eventbus-reason} field. */
public enum DeadLetterReason {
    /** The handler said the event can never succeed. */
    HANDLER_ERROR("handler-error"),
    /** The handler ran out of attempts or age while timing out. */
    TIMEOUT("timeout"),
    /** A gRPC call failed with a permanent status code. */
    RPC_STATUS("rpc-status"),
    /** The entry is not a valid event (no type, text fields not UTF-8). */
    DECODE("decode"),
    /** The entry is over {@code consumer.max-event-bytes}. */
    TOO_LARGE("too-large"),
    /** Redis delivered the entry too many times (it keeps killing its consumer). */
    MAX_DELIVERIES("max-deliveries"),
    /** The entry was deleted or trimmed from the stream before it was acknowledged: a loss record. */
    TRIMMED("trimmed");

    private final String wireName;

    DeadLetterReason(String wireName) {
        this.wireName = wireName;
    }

    /** The value written to the dead-letter entry. */
    public String wireName() {
        return wireName;
    }
}
