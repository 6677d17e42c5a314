package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.Subscription;

/** Dead-letters an entry and acknowledges it with the same write, at most once per entry. */
public interface DeadLetterSink {

    /**
     * @param letter the entry and why ({@link DeadLetter#of}); the sink stamps its times
     * @param done told when finished: resolved when the write succeeded (entry acked) or found the
     *     entry already settled elsewhere (no longer pending), not when it failed (entry stays pending)
     */
    void deadLetter(Subscription sub, DeadLetter letter, Resolution done);
}
