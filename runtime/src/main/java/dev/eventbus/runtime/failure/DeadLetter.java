package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.StreamEntry;
import java.time.Instant;

/**
 * What goes to a handler's dead-letter stream: the original entry and its provenance.
 *
 * @param entry the original entry; its fields are copied as they were (none for {@code trimmed})
 * @param error the failure, or {@code null} when the reason says it all
 * @param detail a short explanation when there is no error object
 */
public record DeadLetter(
        StreamEntry entry,
        String handler,
        String pluginId,
        String pluginVersion,
        DeadLetterReason reason,
        int attempts,
        Instant firstFailure,
        Instant lastFailure,
        Throwable error,
        String detail) {}
