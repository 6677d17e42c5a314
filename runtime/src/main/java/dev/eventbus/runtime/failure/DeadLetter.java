package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Instant;

/**
 * What goes to a handler's dead-letter stream: the original entry and its provenance.
 *
 * @param entry the original entry; its fields are copied as they were (none for {@code trimmed})
 * @param firstFailure when the entry first failed; {@code null} until {@link #at} (then: now)
 * @param lastFailure when it was given up; {@code null} until {@link #at}
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
        String detail) {

    /**
     * A dead letter for {@code sub}'s handler, not yet timed: the {@link DeadLetterSink} stamps it
     * when it writes it.
     *
     * @param error the failure, or {@code null}
     * @param detail a short explanation when there is no error
     */
    public static DeadLetter of(
            Subscription sub,
            StreamEntry entry,
            DeadLetterReason reason,
            int attempts,
            Throwable error,
            String detail) {
        var h = sub.handler();
        return new DeadLetter(
                entry, h.name(), h.pluginId(), h.pluginVersion(), reason, attempts, null, null, error, detail);
    }

    /** The same letter, first failed at {@code first} ({@code null}: unknown, counted as now). */
    public DeadLetter firstFailedAt(Instant first) {
        return new DeadLetter(
                entry, handler, pluginId, pluginVersion, reason, attempts, first, lastFailure, error, detail);
    }

    /** The same letter, given up at {@code now}; first failed now too unless known. */
    public DeadLetter at(Instant now) {
        return new DeadLetter(
                entry,
                handler,
                pluginId,
                pluginVersion,
                reason,
                attempts,
                firstFailure == null ? now : firstFailure,
                now,
                error,
                detail);
    }
}
