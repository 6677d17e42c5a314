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
        // For the named handler only (redriven dead letters, replays): the others ack without a
        // call, decided before decoding, so that they do not dead-letter a malformed one again.
        String target = codec.targetOf(entry);
        if (target != null && !target.equals(sub.group())) {
            acks.ack(entry.stream(), sub.group(), entry.id());
            try {
                observer.skipped(sub, codec.decode(entry, Math.max(1, entry.deliveries())));
            } catch (MalformedEntryException notForUs) {
                // Malformed, and another handler's to dead-letter: nothing to tell about it here.
            }
            delivery.forget();
            leaves.done(true);
            return null;
        }
        Event event;
        try {
            event = codec.decode(entry, Math.max(1, entry.deliveries()));
        } catch (MalformedEntryException e) {
            deadLetters.deadLetter(
                    sub, DeadLetter.of(sub, entry, e.reason(), entry.deliveries(), null, e.getMessage()), resolved -> {
                        delivery.forget();
                        leaves.done(resolved);
                    });
            return null;
        }
        if (!sub.types().contains(event.type())) {
            acks.ack(entry.stream(), sub.group(), entry.id());
            observer.skipped(sub, event);
            delivery.forget();
            leaves.done(true);
            return null;
        }
        return event;
    }
}
