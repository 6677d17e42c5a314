package dev.eventbus.runtime.ops;

import java.time.Duration;
import java.util.Set;

/**
 * Live instances as Redis shows them without heartbeats, the rule {@link HeartbeatInstances} falls
 * back on while no instance heartbeats (instances of a version before the registry): a consumer idle for {@code ghostAfter}
 * or longer belongs to no live instance (the same rule as the reclaimer's removal of idle
 * consumers, {@code recovery.delete-idle-consumers-after}), and the consumers named in
 * {@code own} (this instance's) are live whatever their idle time. On Redis 7.2+ a running
 * instance's consumer is never idle for long (each blocking read resets it); before 7.2 only a
 * delivery does, so a long threshold keeps a live instance on a quiet stream from counting as a
 * ghost, at the cost of counting a dead one as live for that long.
 *
 * @param ghostAfter idle time from which a consumer is a ghost
 * @param own consumer names that are live by definition (this instance's)
 */
public record IdleConsumers(Duration ghostAfter, Set<String> own) implements LiveInstances {

    public IdleConsumers {
        own = Set.copyOf(own);
    }

    @Override
    public boolean isLive(String consumer, long idleMillis) {
        return own.contains(consumer) || idleMillis < ghostAfter.toMillis();
    }
}
