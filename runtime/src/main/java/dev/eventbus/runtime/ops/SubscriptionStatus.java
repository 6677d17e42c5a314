package dev.eventbus.runtime.ops;

/**
 * One handler's consumer group on one stream, as Redis sees it.
 *
 * @param consumers consumers in the group that belong to a live runtime instance ({@link LiveInstances})
 * @param ghosts consumers in the group that belong to no live instance: left by an instance that
 *     died or was renamed; the reclaimer takes over their pending entries after
 *     {@code recovery.claim-idle} and removes them once nothing is pending and they were idle for
 *     {@code recovery.delete-idle-consumers-after}
 * @param pending entries delivered and not yet acknowledged (in flight, or waiting for a retry)
 * @param lag entries not yet delivered to the group; {@code -1} when Redis cannot tell (after
 *     deletions in the stream)
 * @param oldestPendingAgeMillis now minus the time of the oldest pending entry, {@code -1} when
 *     nothing is pending
 * @param retriesScheduled failed entries waiting for their next attempt
 * @param retriesNotDue of those, the ones whose next attempt is still in the future (no instance
 *     may take them now)
 * @param deadLetters entries in the handler's dead-letter streams (all its streams together)
 * @param deadLetterStream the dead-letter stream this subscription's losses go to: on one node the
 *     handler's only one, shared by all its subscriptions; on a cluster the one of the stream's hash
 *     tag, shared only with the handler's other streams of that tag
 * @param streamDeadLetters entries in {@code deadLetterStream}
 * @param idleMillis idle time of the most recently seen consumer, {@code -1} without consumers
 *     (Redis 7.2+: since its last read attempt; before: since its last delivery)
 * @param state {@code no-consumers} (no live instance reads the group), {@code stalled} (Redis 7.2+:
 *     no consumer tried to read for a minute), {@code retrying} (failed entries wait for another
 *     attempt), {@code behind} (entries not yet delivered), or {@code ok}
 */
public record SubscriptionStatus(
        String handler,
        String stream,
        long consumers,
        long ghosts,
        long pending,
        long lag,
        long oldestPendingAgeMillis,
        String lastDeliveredId,
        long retriesScheduled,
        long retriesNotDue,
        long deadLetters,
        String deadLetterStream,
        long streamDeadLetters,
        long idleMillis,
        String state) {}
