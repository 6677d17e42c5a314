package dev.eventbus.runtime.dispatch;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.failure.DeadLetter;
import dev.eventbus.runtime.failure.DeadLetterSink;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.MalformedEntryException;
import dev.eventbus.runtime.stream.Resolution;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.runtime.stream.WireFields;

/**
 * The first step on a worker: decodes the entry and decides whether the handler takes it. A
 * malformed entry is dead-lettered; a type the handler does not consume, or an entry redriven or
 * replayed for another handler, is acknowledged without a call.
 *
 * <p>Thread-safe.
 */
final class Admission {

    private final EventCodec codec;
    private final Acks acks;
    private final DeadLetterSink deadLetters;
    private final DeliveryObserver observer;

    Admission(EventCodec codec, Acks acks, DeadLetterSink deadLetters, DeliveryObserver observer) {
        this.codec = codec;
        this.acks = acks;
        this.deadLetters = deadLetters;
        this.observer = observer;
    }

    /**
     * @return the event, or null when the entry was dead-lettered (malformed) or acknowledged
     *     without a call; it has left the dispatcher then, and {@code leaves} is told
     */
    Event admit(Subscription sub, StreamEntry entry, Delivery delivery, Resolution leaves) {
        Event event;
        try {
            event = codec.decode(entry, Math.max(1, entry.deliveries()));
        } catch (MalformedEntryException e) {
            // Redriven or replayed for another handler: that one dead-letters it, not each of the others.
            if (forAnother(codec.targetOf(entry), sub)) {
                skip(sub, entry, null, delivery, leaves);
                return null;
            }
            deadLetters.deadLetter(
                    sub, DeadLetter.of(sub, entry, e.reason(), entry.deliveries(), null, e.getMessage()), resolved -> {
                        delivery.forget();
                        leaves.done(resolved);
                    });
            return null;
        }
        // The routing field is one of the event's headers: read from there, not by a second walk of the fields.
        if (forAnother(event.headers().get(WireFields.TARGET_HANDLER), sub)
                || !sub.types().contains(event.type())) {
            skip(sub, entry, event, delivery, leaves);
            return null;
        }
        return event;
    }

    /** For the named handler only (redriven dead letters, replays): the others ack without a call. */
    private static boolean forAnother(String target, Subscription sub) {
        return target != null && !target.equals(sub.group());
    }

    /** @param event null when the entry is malformed (and another handler's to dead-letter) */
    private void skip(Subscription sub, StreamEntry entry, Event event, Delivery delivery, Resolution leaves) {
        acks.ack(entry.stream(), sub.group(), entry.id());
        if (event != null) {
            observer.skipped(sub, event);
        }
        delivery.forget();
        leaves.done(true);
    }
}
