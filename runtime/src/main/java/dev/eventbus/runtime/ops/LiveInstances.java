package dev.eventbus.runtime.ops;

/**
 * Which consumers of a consumer group belong to a live runtime instance. A consumer that belongs to
 * none is a ghost: an instance that died or was renamed left it behind. Ghosts are counted apart
 * in {@code status}, the admin API and the metrics; the consumers figure never counts one.
 *
 * <p>{@link HeartbeatInstances} tells from the instances' heartbeats (a consumer is live when the
 * instance of that name heartbeats); {@link IdleConsumers} from what Redis shows of the consumer,
 * for deployments whose instances do not heartbeat.
 */
public interface LiveInstances {

    /**
     * @param consumer the consumer's name in the group (the runtime's {@code consumer-name})
     * @param idleMillis Redis's idle time of that consumer ({@code XINFO CONSUMERS}), -1 when unknown
     * @return whether it belongs to a live instance
     */
    boolean isLive(String consumer, long idleMillis);

    /** This rule fixed for one reading of a group's consumers (a rule that reads Redis reads it once). */
    default LiveInstances now() {
        return this;
    }

    /** Every consumer is live: no ghost is ever counted. */
    LiveInstances EVERY_CONSUMER = (consumer, idleMillis) -> true;
}
