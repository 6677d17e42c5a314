package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.Subscription;

/** Dead-letters an entry and acknowledges it once the dead letter is stored. */
public interface DeadLetterSink {

    /**
     * @param letter the entry and why ({@link DeadLetter#of}); the sink stamps its times
     * @param done told when finished: resolved when the write succeeded (entry acked), not when it
     *     failed (entry stays pending)
     */
    void deadLetter(Subscription sub, DeadLetter letter, Resolution done);
}
