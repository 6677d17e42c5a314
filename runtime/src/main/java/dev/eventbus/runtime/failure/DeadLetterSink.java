package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;


/** Dead-letters an entry and acknowledges it once the dead letter is stored. */
public interface DeadLetterSink {

    /**
     * @param firstFailure when the entry first failed, or {@code null} for now
     * @param error the failure, or {@code null}
     * @param detail a short explanation when there is no error
     * @param done told when finished: resolved when the write succeeded (entry acked), not when it
     *     failed (entry stays pending)
     */
    void deadLetter(Subscription sub, StreamEntry entry, DeadLetterReason reason, int attempts,
            java.time.Instant firstFailure, Throwable error, String detail, Resolution done);
}
