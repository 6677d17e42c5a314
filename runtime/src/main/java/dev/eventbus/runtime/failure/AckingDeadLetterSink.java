package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.stream.Acknowledger;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the dead letter, and only when Redis has stored it acknowledges the original. If the
 * write fails (Redis out of memory, disconnected) the original stays pending and comes back, and
 * {@link #failure} reports it (for readiness) until a dead letter of that subscription is stored.
 *
 * <p>Thread-safe: called from workers, the retry poller and the reclaimer at once.
 */
public final class AckingDeadLetterSink implements DeadLetterSink {

    private static final Logger LOG = LoggerFactory.getLogger(AckingDeadLetterSink.class);

    private final DeadLetterWriter writer;
    private final Acknowledger acks;
    private final DeliveryObserver observer;
    private final RetryStore retries;
    private final Clock clock;
    /** The last dead letter that could not be written, by "group@stream", until one is stored. */
    private final Map<String, String> failing = new ConcurrentHashMap<>();

    public AckingDeadLetterSink(
            DeadLetterWriter writer, Acknowledger acks, RetryStore retries, DeliveryObserver observer, Clock clock) {
        this.writer = writer;
        this.retries = retries;
        this.acks = acks;
        this.observer = observer;
        this.clock = clock;
    }

    /** A deleted entry still pending may be seen by several paths; exactly one records it. */
    private void recordLossOnce(Subscription sub, StreamEntry entry, DeadLetter letter, Resolution done) {
        writer.writeIfPending(letter, sub.group()).whenComplete((recorded, err) -> {
            try {
                if (err != null) {
                    LOG.error(
                            "could not record the loss of {} {} for handler {}; it stays pending: {}",
                            entry.stream(),
                            entry.id(),
                            sub.handler().name(),
                            Errors.rootMessage(err));
                } else if (recorded) {
                    retries.clear(sub, entry.id());
                    LOG.warn(
                            "recorded loss of {} {} for handler {} in {}: deleted or trimmed before it was "
                                    + "acknowledged",
                            entry.stream(),
                            entry.id(),
                            sub.handler().name(),
                            writer.streamOf(sub.handler().name(), entry.stream()));
                    observer.deadLettered(sub, entry, DeadLetterReason.TRIMMED);
                }
            } finally {
                done.done(err == null);
            }
        });
    }

    @Override
    public void deadLetter(Subscription sub, DeadLetter unstamped, Resolution done) {
        DeadLetter letter = unstamped.at(clock.instant());
        StreamEntry entry = letter.entry();
        DeadLetterReason reason = letter.reason();
        Throwable error = letter.error();
        String detail = letter.detail();
        var handler = sub.handler();
        if (reason == DeadLetterReason.TRIMMED && entry.origin() != StreamEntry.Origin.VANISHED) {
            recordLossOnce(sub, entry, letter, done);
            return;
        }
        writer.write(letter).whenComplete((id, err) -> {
            boolean stored = err == null;
            try {
                if (err == null) {
                    if (!failing.isEmpty() && failing.remove(key(sub)) != null) {
                        LOG.info("dead letters of handler {} on {} are stored again", handler.name(), entry.stream());
                    }
                    acks.ackWithoutWaiting(entry.stream(), sub.group(), entry.id());
                    retries.clear(sub, entry.id()); // unread replies: see RetryStore.clear
                    LOG.warn(
                            "dead-lettered {} {} for handler {} to {} as {}: {}",
                            entry.stream(),
                            entry.id(),
                            handler.name(),
                            writer.streamOf(handler.name(), entry.stream()),
                            reason.wireName(),
                            error != null ? error.toString() : detail);
                    observer.deadLettered(sub, entry, reason);
                } else if (entry.origin() == StreamEntry.Origin.VANISHED) {
                    // No longer pending: nothing brings it back, this line is all that is left of it.
                    LOG.error(
                            "could not record the loss of {} {} for handler {} (trimmed, no longer pending): {}",
                            entry.stream(),
                            entry.id(),
                            handler.name(),
                            Errors.rootMessage(err));
                } else {
                    failing.put(
                            key(sub),
                            "could not dead-letter " + entry.id() + " (" + reason.wireName()
                                    + "; it stays pending and is tried again): " + Errors.describe(err));
                    LOG.error(
                            "could not dead-letter {} {} for handler {} ({}); it stays pending: {}",
                            entry.stream(),
                            entry.id(),
                            handler.name(),
                            reason.wireName(),
                            Errors.describe(err));
                }
            } finally {
                done.done(stored);
            }
        });
    }

    /** Why the last dead letter of this subscription could not be written, or empty once one is stored. */
    public String failure(Subscription sub) {
        return failing.isEmpty() ? "" : failing.getOrDefault(key(sub), "");
    }

    private static String key(Subscription sub) {
        return sub.group() + "@" + sub.stream();
    }
}
