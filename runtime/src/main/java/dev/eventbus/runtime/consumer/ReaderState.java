package dev.eventbus.runtime.consumer;

/**
 * What one subscription's reader is doing at one moment, for operators.
 *
 * @param inFlight handler calls running now (a worker between two calls counts for that instant;
 *     an abandoned worker counts until it ends, since it keeps its slot)
 * @param maxInFlight the handler's max-in-flight
 * @param readAhead entries read and held in memory beyond the running calls, waiting for a worker
 * @param maxReadAhead consumer.read-ahead: how many may wait so
 */
public record ReaderState(Subscription subscription, Phase phase, int inFlight, int maxInFlight, int readAhead,
        int maxReadAhead) {

    /** A reader with nothing read ahead. */
    public ReaderState(Subscription subscription, Phase phase, int inFlight, int maxInFlight) {
        this(subscription, phase, inFlight, maxInFlight, 0, 0);
    }

    /** Starting: created, loop not started. Reading: the loop runs. Stopped: asked to stop, or its loop ended. */
    public enum Phase { STARTING, READING, STOPPED }
}
