package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.stream.Subscription;

/**
 * What one subscription's reader is doing at one moment, for operators.
 *
 * @param inFlight handler calls running now (a worker between two calls counts for that instant;
 *     an abandoned worker counts until it ends, since it keeps its slot)
 * @param maxInFlight the handler's max-in-flight: how many handler calls may run at once (not the
 *     entry slots, which add {@code maxReadAhead})
 * @param readAhead entries read and held in memory beyond the running calls, waiting for a worker
 * @param maxReadAhead consumer.read-ahead: how many may wait so
 * @param failure why the subscription does not work now (its reader, retry poller or reclaimer
 *     keeps failing, or its group could not be created), naming the key and the fix; empty when it works
 */
public record ReaderState(
        Subscription subscription,
        Phase phase,
        int inFlight,
        int maxInFlight,
        int readAhead,
        int maxReadAhead,
        String failure) {

    /** A reader with nothing read ahead, working. */
    public ReaderState(Subscription subscription, Phase phase, int inFlight, int maxInFlight) {
        this(subscription, phase, inFlight, maxInFlight, 0, 0, "");
    }

    /** The same state, with why the subscription does not work now. */
    public ReaderState failing(String why) {
        return new ReaderState(subscription, phase, inFlight, maxInFlight, readAhead, maxReadAhead, why);
    }

    /** Starting: created, loop not started. Reading: the loop runs. Stopped: asked to stop, or its loop ended. */
    public enum Phase {
        STARTING,
        READING,
        STOPPED
    }
}
