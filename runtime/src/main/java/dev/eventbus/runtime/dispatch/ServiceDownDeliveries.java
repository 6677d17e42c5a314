package dev.eventbus.runtime.dispatch;

import dev.eventbus.runtime.stream.StreamEntry;

/**
 * How many of a pending entry's deliveries failed only because a service was down: the
 * {@code recovery.max-deliveries} fuse does not count them, as the retry policy's
 * {@code max-attempts} does not. Asked only for an entry recovered past the fuse, so it may ask
 * Redis; it answers 0 when it cannot tell (the fuse then counts every delivery, as Redis does).
 */
@FunctionalInterface
interface ServiceDownDeliveries {

    ServiceDownDeliveries NONE = entry -> 0;

    int of(StreamEntry entry);
}
