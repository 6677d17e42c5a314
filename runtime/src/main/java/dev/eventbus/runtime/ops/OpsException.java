package dev.eventbus.runtime.ops;

/** An operator command could not do its job; the message says why, without secrets or payloads. */
public final class OpsException extends RuntimeException {

    public OpsException(String message) {
        super(message);
    }

    public OpsException(String message, Throwable cause) {
        super(message, cause);
    }
}
