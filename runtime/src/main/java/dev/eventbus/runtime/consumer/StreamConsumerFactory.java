package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.ConsumerSettings;
import dev.eventbus.runtime.config.HandlerSettings;
import dev.eventbus.runtime.config.RecoverySettings;
import dev.eventbus.runtime.dispatch.Dispatcher;
import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/**
 * Builds each running subscription ({@link StreamConsumer}) from the settings, with the parts it
 * owns wired to each other: the entry slots sized from the handler's max-in-flight and the
 * read-ahead, the bytes budget, its way into the dispatcher, the reader, the retry poller and the
 * reclaimer.
 *
 * <p>Thread-safe: holds only settings and shared parts.
 */
public final class StreamConsumerFactory {

    private final String consumerName;
    private final ConsumerSettings settings;
    private final RecoverySettings recovery;
    private final Function<String, HandlerSettings> handlers;
    private final RedisConnection<byte[], byte[]> shared;
    private final Dispatcher dispatcher;
    private final RetryStore retryStore;
    private final Clock clock;
    private final Duration reconnectMax;
    private final TopologyChanges changes;
    private final GhostConsumers ghosts;

    /**
     * @param handlers each handler's settings, by handler name
     * @param shared the runtime's shared connection, for the retry poller and the reclaimer
     * @param reconnectMax {@code redis.reconnect.max-delay}, the longest a reader waits after a lost
     *     connection
     * @param changes the client's changes of its view of Redis, which end a reader's back-off
     * @param instances the live instances, by which the reclaimers tell ghost consumers
     */
    public StreamConsumerFactory(
            String consumerName,
            ConsumerSettings settings,
            RecoverySettings recovery,
            Function<String, HandlerSettings> handlers,
            RedisConnection<byte[], byte[]> shared,
            Dispatcher dispatcher,
            RetryStore retryStore,
            Clock clock,
            Duration reconnectMax,
            TopologyChanges changes,
            InstanceRegistry instances) {
        this.consumerName = consumerName;
        this.settings = settings;
        this.recovery = recovery;
        this.handlers = handlers;
        this.shared = shared;
        this.dispatcher = dispatcher;
        this.retryStore = retryStore;
        this.clock = clock;
        this.reconnectMax = reconnectMax;
        this.changes = changes;
        this.ghosts = new GhostConsumers(instances, consumerName, recovery.deleteIdleConsumersAfter());
    }

    /**
     * @param connection the subscription's own connection, for its blocking reads; the consumer
     *     owns it from now on and closes it
     * @param budget how many entries the subscription may read now (0 while a circuit of the
     *     handler's gRPC services is open or an old partition layout drains), and why not
     */
    public StreamConsumer create(Subscription sub, RedisConnection<byte[], byte[]> connection, ReadBudget budget) {
        return create(sub, connection, budget, PartitionGate.OPEN);
    }

    /**
     * @param gate whether this instance owns the partition: reads, retries, reclaims and handler
     *     calls happen only while it does ({@link PartitionGate#OPEN}: always)
     */
    public StreamConsumer create(
            Subscription sub, RedisConnection<byte[], byte[]> connection, ReadBudget budget, PartitionGate gate) {
        int maxInFlight = handlers.apply(sub.handler().name()).maxInFlight();
        EntrySlots slots = new EntrySlots(maxInFlight + settings.readAhead());
        HeldBytes held = new HeldBytes(settings.readAheadBytes(), slots);
        SubscriptionDispatch dispatch = dispatcher.open(sub, slots, gate::mayDispatch);
        RetryPoller retries = new RetryPoller(
                sub,
                shared.sync(),
                shared.reconnect(),
                consumerName,
                retryStore,
                slots,
                held,
                settings.maxEventBytes(),
                dispatch,
                budget::allowed,
                recovery.retryPollInterval(),
                clock,
                gate);
        PendingReclaimer reclaimer = new PendingReclaimer(
                sub,
                shared.sync(),
                shared.reconnect(),
                consumerName,
                retryStore,
                slots,
                held,
                settings.maxEventBytes(),
                dispatch,
                recovery,
                ghosts,
                gate);
        // A failover ends their back-off too: readiness follows the reclaimer's next round.
        changes.rewindOnChange(retries.loop());
        changes.rewindOnChange(reclaimer.loop());
        // The retry poller and the reclaimer start once the group exists (before, every round would fail too).
        StreamReader reader = new StreamReader(
                sub,
                connection,
                consumerName,
                settings,
                dispatch,
                slots,
                held,
                retryStore,
                budget,
                () -> {
                    retries.loop().start();
                    reclaimer.loop().start();
                },
                reconnectMax,
                changes,
                gate);
        return new StreamConsumer(
                sub, connection, maxInFlight, settings.readAhead(), slots, held, dispatch, reader, retries, reclaimer);
    }
}
