package dev.eventbus.testkit;

import java.time.Duration;

/**
 * A handler ran past its timeout ({@link HandlerHarness#timeout}): what the runtime records for it,
 * with the runtime's message. Retried like any transient failure, dead-lettered as {@code timeout}
 * once attempts are used up. The handler's own exception after the interrupt, if any, is the cause.
 */
public final class HandlerTimeoutException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;
    private final boolean abandoned;

    HandlerTimeoutException(Duration timeout, boolean abandoned, Throwable cause) {
        super(
                "handler ran longer than its timeout of " + timeout
                        + (abandoned ? " and ignored the interrupt; its worker was abandoned" : ""),
                cause);
        this.timeout = timeout;
        this.abandoned = abandoned;
    }

    /** @return the handler's timeout it ran past */
    public Duration timeout() {
        return timeout;
    }

    /**
     * @return true when the handler ignored the interrupt for {@code abandon-after} and was left
     *     running (its thread still runs; the runtime keeps its worker slot taken until it ends)
     */
    public boolean abandoned() {
        return abandoned;
    }
}
