package dev.eventbus.runtime.consumer;

/**
 * What one subscription's reader is doing at one moment, for operators.
 *
 * @param inFlight entries held now (running, or read ahead and waiting for a worker); workers abandoned after their timeout are not counted,
 *     though each still holds one of the slots
 * @param maxInFlight the subscription's slots: the handler's max-in-flight plus consumer.read-ahead
 * @param failure why the subscription does not work now (its reader, retry poller or reclaimer
 *     keeps failing, or its group could not be created), naming the key and the fix; empty when it works
 */
public record ReaderState(Subscription subscription, Phase phase, int inFlight, int maxInFlight, String failure) {

    public ReaderState(Subscription subscription, Phase phase, int inFlight, int maxInFlight) {
        this(subscription, phase, inFlight, maxInFlight, "");
    }

    /** Starting: created, loop not started. Reading: the loop runs. Stopped: asked to stop, or its loop ended. */
    public enum Phase { STARTING, READING, STOPPED }
}
