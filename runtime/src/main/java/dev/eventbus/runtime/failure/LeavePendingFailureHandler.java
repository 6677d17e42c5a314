package dev.eventbus.runtime.failure;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.consumer.StreamEntry;
import dev.eventbus.runtime.consumer.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first failure policy: a permanent failure is dead-lettered at once; any other failure leaves
 * the entry pending in Redis, where the consumer's own history read (on restart) finds it again.
 * Nothing is acknowledged that was not handled or dead-lettered.
 */
public final class LeavePendingFailureHandler implements FailureHandler {

    private static final Logger LOG = LoggerFactory.getLogger(LeavePendingFailureHandler.class);

    private final DeadLetterSink deadLetters;

    public LeavePendingFailureHandler(DeadLetterSink deadLetters) {
        this.deadLetters = deadLetters;
    }

    @Override
    public void onFailure(Subscription sub, StreamEntry entry, Event event, Throwable error, Runnable done) {
        DeadLetterReason permanent = FailureClassifier.permanentReason(error);
        if (permanent != null) {
            deadLetters.deadLetter(sub, entry, permanent, entry.deliveries(), error, null, done);
            return;
        }
        LOG.warn("handler {} failed on {} (attempt {}), left pending: {}",
                sub.handler().name(), event, event.attempt(), error.toString());
        done.run();
    }
}
