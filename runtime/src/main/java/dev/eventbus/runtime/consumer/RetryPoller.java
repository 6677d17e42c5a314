package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings back a subscription's failed entries when their retry is due. It takes due ids from the
 * {@link RetryStore} only as many as there are free entry slots, claims each entry to this
 * consumer (which counts the delivery) and hands it to the dispatcher. Entries deleted while
 * waiting become loss records. If this instance dies after taking ids, the entries are still
 * pending in Redis and the reclaimer brings them back.
 *
 * <p>It charges what it claims to the subscription's {@link HeldBytes} and takes nothing while the
 * budget is spent; ids taken from the store that it cannot claim for lack of room are put back as
 * due, for a later poll (if that write fails they are still pending, and the reclaimer finds them).
 */
final class RetryPoller {

    private static final Logger LOG = LoggerFactory.getLogger(RetryPoller.class);
    private static final int MAX_PER_POLL = 100;

    private final Loop loop;
    private final Subscription sub;
    private final RedisClusterCommands<byte[], byte[]> redis;
    private final EntryFetcher fetcher;
    private final RetryStore store;
    private final EntrySlots slots;
    private final HeldBytes held;
    private final SubscriptionDispatch dispatcher;
    private final IntSupplier budget;
    private final Clock clock;

    RetryPoller(
            Subscription sub,
            RedisClusterCommands<byte[], byte[]> redis,
            String consumerName,
            RetryStore store,
            EntrySlots slots,
            HeldBytes held,
            long maxEventBytes,
            SubscriptionDispatch dispatcher,
            IntSupplier budget,
            Duration period,
            Clock clock,
            PartitionGate gate) {
        this.sub = sub;
        this.redis = redis;
        this.fetcher = new EntryFetcher(redis, sub, consumerName, maxEventBytes);
        this.store = store;
        this.slots = slots;
        this.held = held;
        this.dispatcher = dispatcher;
        this.budget = budget;
        this.clock = clock;

        this.loop = Loop.every("eventbus-retry-" + sub.name(), period, LOG, () -> gate.ifOwned(this::iteration));
    }

    /** Its loop: started and stopped with the subscription's reader. */
    Loop loop() {
        return loop;
    }

    private void iteration() {
        int allowed;
        while (!loop.isStopping() && (allowed = budget.getAsInt()) > 0 && !held.spent()) {
            int taken = slots.tryTake(Math.min(MAX_PER_POLL, allowed));
            if (taken == 0) {
                return;
            }
            List<String> due;
            try {
                due = store.takeDue(redis, sub, clock.instant(), taken);
            } catch (RuntimeException e) {
                slots.release(taken);
                throw e;
            }
            slots.release(taken - due.size());
            for (int i = 0; i < due.size(); i++) {
                if (held.spent()) {
                    slots.release(due.size() - i);
                    putBack(due.subList(i, due.size()));
                    return;
                }
                StreamEntry entry;
                try {
                    entry = fetcher.claim(due.get(i), StreamEntry.Origin.RETRY);
                } catch (RuntimeException e) {
                    slots.release(due.size() - i); // the rest stay pending: the reclaimer finds them
                    throw e;
                }
                if (entry == null) { // no longer pending: another consumer settled it
                    store.clear(sub, due.get(i));
                    dispatcher.settledElsewhere(due.get(i));
                    slots.release();
                } else {
                    dispatcher.dispatch(entry, held.charge(entry));
                }
            }
            if (due.size() < taken || allowed == 1) {
                return;
            }
        }
    }

    /** Due ids taken but not claimed for lack of room: due again now, for the next poll. */
    private void putBack(List<String> ids) {
        Instant now = clock.instant();
        for (String id : ids) {
            store.schedule(sub, id, now, now).join(); // keeps the first-failure time it has
        }
        LOG.debug(
                "subscription {}: {} due retr(ies) left for a later poll, the read-ahead bytes are spent",
                sub.name(),
                ids.size());
    }
}
