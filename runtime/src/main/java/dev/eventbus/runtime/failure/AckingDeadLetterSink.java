package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.internal.Errors;
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
 * Dead-letters an entry at most once: the dead letter is written and the original acknowledged in
 * one atomic step, and only while the original is still pending in the group
 * ({@link DeadLetterWriter#writeIfPending}). Two consumers that hold the same entry (one stalled
 * past {@code recovery.claim-idle}, another that took it over) both come here; the first records
 * it, the other finds it settled and writes nothing. If the write fails (Redis out of memory,
 * disconnected) the original stays pending and comes back, and {@link #failure} reports it (for
 * readiness) until a dead letter of that subscription is stored.
 *
 * <p>An entry Redis already dropped from the pending list ({@link StreamEntry.Origin#VANISHED}) is
 * written unconditionally: only the consumer Redis told has it, and the condition would skip it.
 *
 * <p>Thread-safe: called from workers, the retry poller and the reclaimer at once.
 */
public final class AckingDeadLetterSink implements DeadLetterSink {

    private static final Logger LOG = LoggerFactory.getLogger(AckingDeadLetterSink.class);

    private final DeadLetterWriter writer;
    private final DeliveryObserver observer;
    private final RetryStore retries;
    private final Clock clock;
    /**
     * The last dead letter that could not be written, by "group@stream", until one is stored or
     * that entry is settled elsewhere.
     */
    private final Map<String, NotStored> failing = new ConcurrentHashMap<>();

    private record NotStored(String entryId, String why) {}

    public AckingDeadLetterSink(DeadLetterWriter writer, RetryStore retries, DeliveryObserver observer, Clock clock) {
        this.writer = writer;
        this.retries = retries;
        this.observer = observer;
        this.clock = clock;
    }

    @Override
    public void deadLetter(Subscription sub, DeadLetter unstamped, Resolution done) {
        DeadLetter letter = unstamped.at(clock.instant());
        if (letter.entry().origin() == StreamEntry.Origin.VANISHED) {
            recordVanished(sub, letter, done);
        } else {
            writeOnce(sub, letter, done);
        }
    }

    /**
     * A pending entry may be dead-lettered, or its loss recorded, by several paths or consumers:
     * exactly one writes it.
     */
    private void writeOnce(Subscription sub, DeadLetter letter, Resolution done) {
        StreamEntry entry = letter.entry();
        writer.writeIfPending(letter, sub.group()).whenComplete((recorded, err) -> {
            try {
                if (err != null) {
                    notStored(sub, letter, err);
                } else if (recorded) {
                    stored(sub, letter);
                } else {
                    // Its outcome is final, just not by us: dead-lettered by another consumer that
                    // held it too, or handled and acknowledged. A second dead letter would be a lie.
                    // If our own write of it failed before, that failure no longer stands.
                    if (!failing.isEmpty()) {
                        failing.computeIfPresent(key(sub), (k, f) -> f.entryId().equals(entry.id()) ? null : f);
                    }
                    LOG.info(
                            "did not dead-letter {} {} for handler {} ({}): no longer pending, settled elsewhere",
                            entry.stream(),
                            entry.id(),
                            sub.handler().name(),
                            letter.reason().wireName());
                }
            } finally {
                done.done(err == null);
            }
        });
    }

    private void recordVanished(Subscription sub, DeadLetter letter, Resolution done) {
        StreamEntry entry = letter.entry();
        writer.write(letter).whenComplete((id, err) -> {
            try {
                if (err == null) {
                    stored(sub, letter);
                } else {
                    // No longer pending: nothing brings it back, this line is all that is left of it.
                    LOG.error(
                            "could not record the loss of {} {} for handler {} (trimmed, no longer pending): {}",
                            entry.stream(),
                            entry.id(),
                            sub.handler().name(),
                            Errors.rootMessage(err));
                }
            } finally {
                done.done(err == null);
            }
        });
    }

    private void stored(Subscription sub, DeadLetter letter) {
        StreamEntry entry = letter.entry();
        var handler = sub.handler();
        if (!failing.isEmpty() && failing.remove(key(sub)) != null) {
            LOG.info("dead letters of handler {} on {} are stored again", handler.name(), entry.stream());
        }
        retries.clear(sub, entry.id()); // unread replies: see RetryStore.clear
        if (letter.reason() == DeadLetterReason.TRIMMED) {
            LOG.warn(
                    "recorded loss of {} {} for handler {} in {}: deleted or trimmed before it was acknowledged",
                    entry.stream(),
                    entry.id(),
                    handler.name(),
                    writer.streamOf(handler.name(), entry.stream()));
        } else {
            LOG.warn(
                    "dead-lettered {} {} for handler {} to {} as {}: {}",
                    entry.stream(),
                    entry.id(),
                    handler.name(),
                    writer.streamOf(handler.name(), entry.stream()),
                    letter.reason().wireName(),
                    letter.error() == null
                            ? letter.detail()
                            : MissingClass.reasonOr(
                                    letter.error(), letter.error().toString()));
        }
        observer.deadLettered(sub, entry, letter.reason());
    }

    private void notStored(Subscription sub, DeadLetter letter, Throwable err) {
        StreamEntry entry = letter.entry();
        String reason = letter.reason().wireName();
        // A loss record that cannot be written fails readiness as a dead letter does: either way an
        // outcome is not durable, and the entry comes back to be tried again.
        String what = letter.reason() == DeadLetterReason.TRIMMED
                ? "could not record the loss of "
                : "could not dead-letter ";
        failing.put(
                key(sub),
                new NotStored(
                        entry.id(),
                        what + entry.id() + " (" + reason + "; it stays pending and is tried again): "
                                + Errors.describe(err)));
        LOG.error(
                "{}{} {} for handler {} ({}); it stays pending: {}",
                what,
                entry.stream(),
                entry.id(),
                sub.handler().name(),
                reason,
                Errors.describe(err));
    }

    /** Why the last dead letter of this subscription could not be written, or empty once one is stored. */
    public String failure(Subscription sub) {
        NotStored f = failing.isEmpty() ? null : failing.get(key(sub));
        return f == null ? "" : f.why();
    }

    private static String key(Subscription sub) {
        return sub.group() + "@" + sub.stream();
    }
}
