package dev.eventbus.testkit.runtime;

import dev.eventbus.runtime.stream.WireFields;
import java.util.Map;

/**
 * An entry the runtime moved to a handler's dead-letter stream, as written there.
 *
 * <p>Immutable.
 *
 * @param handler the handler that gave up on it
 * @param reason the {@code eventbus-reason} field: {@code handler-error}, {@code rpc-status},
 *     {@code timeout}, {@code decode}, {@code too-large}, {@code max-deliveries} or {@code trimmed}
 * @param fields every field of the dead-letter entry: the original fields and the runtime's
 *     {@code eventbus-*} provenance (source stream and id, attempts, error class and message, ...)
 */
public record DeadLettered(String handler, String reason, Map<String, String> fields) {

    /** Copies the fields. */
    public DeadLettered {
        fields = Map.copyOf(fields);
    }

    /** @return the {@code eventbus-error-message} field, or {@code null} */
    public String errorMessage() {
        return fields.get(WireFields.ERROR_MESSAGE);
    }

    /** @return the {@code eventbus-error-class} field, or {@code null} */
    public String errorClass() {
        return fields.get(WireFields.ERROR_CLASS);
    }

    /** @return the {@code eventbus-attempts} field, or 0 when absent */
    public int attempts() {
        String value = fields.get(WireFields.ATTEMPTS);
        return value == null ? 0 : Integer.parseInt(value);
    }
}
