package dev.eventbus.runtime.failure;

import java.time.Duration;

/** A handler ran past its timeout: retried like any transient failure, dead-lettered as {@code timeout}. */
public final class HandlerTimeoutException extends Exception {

    private final boolean abandoned;

    public HandlerTimeoutException(Duration timeout, boolean abandoned, Throwable cause) {
        super(
                "handler ran longer than its timeout of " + timeout
                        + (abandoned ? " and ignored the interrupt; its worker was abandoned" : ""),
                cause);
        this.abandoned = abandoned;
    }

    /** True when the worker ignored the interrupt and was left running. */
    public boolean abandoned() {
        return abandoned;
    }
}
