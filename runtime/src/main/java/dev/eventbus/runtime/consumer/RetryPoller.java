package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings back a subscription's failed entries when their retry is due. It takes due ids from the
 * {@link RetryStore} only as many as there are free entry slots, each moved to this consumer in
 * the same atomic step ({@link DueRetries}), so no reclaimer takes a retry between its removal from
 * the store and its claim; then claims each entry (which counts the delivery) if it is still this
 * consumer's, and hands it to the dispatcher. Entries deleted while waiting become loss records.
 * If this instance dies after taking ids, the entries are pending here in Redis and a reclaimer
 * brings them back once they are idle for {@code recovery.claim-idle}.
 *
 * <p>It charges what it claims to the subscription's {@link HeldBytes} and takes nothing while the
 * budget is spent; ids taken from the store that it cannot claim for lack of room are put back as
 * due, for a later poll (if that write fails they are still pending here, and a reclaimer finds
 * them after {@code recovery.claim-idle}).
 */
final class RetryPoller {

    private static final Logger LOG = LoggerFactory.getLogger(RetryPoller.class);
    private static final int MAX_PER_POLL = 100;

    private final Loop loop;
    private final Subscription sub;
    private final EntryFetcher fetcher;
    private final DueRetries dueRetries;
    private final RetryStore store;
    private final EntrySlots slots;
    private final HeldBytes held;
    private final SubscriptionDispatch dispatcher;
    private final IntSupplier budget;
    private final Clock clock;

    /** @param reconnect why {@code redis}'s client fails to reconnect, for the words of a round refused meanwhile */
    RetryPoller(
            Subscription sub,
            RedisClusterCommands<byte[], byte[]> redis,
            ReconnectReason reconnect,
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
        this.fetcher = new EntryFetcher(redis, sub, consumerName, maxEventBytes);
        this.dueRetries = new DueRetries(redis, store, sub, consumerName);
        this.store = store;
        this.slots = slots;
        this.held = held;
        this.dispatcher = dispatcher;
        this.budget = budget;
        this.clock = clock;

        this.loop = Loop.every(
                "eventbus-retry-" + sub.name(),
                period,
                LOG,
                reconnect,
                Fence.ownedRound(
                        gate,
                        this::iteration,
                        token -> LOG.info(
                                "subscription {}: the partition's lease is gone (token {}): no retry taken here",
                                sub.name(),
                                token)));
    }

    /** Its loop: started and stopped with the subscription's reader. */
    Loop loop() {
        return loop;
    }

    private void iteration(Fence fence) {
        int allowed;
        // Not while the subscription's acknowledgements are at their limit: a worker that finished
        // frees its slot at once (it never waits to acknowledge), and this would fill it again.
        while (!loop.isStopping() && (allowed = budget.getAsInt()) > 0 && !held.spent() && dispatcher.hasAckRoom()) {
            int taken = slots.tryTake(Math.min(MAX_PER_POLL, allowed));
            if (taken == 0) {
                return;
            }
            List<DueRetries.Taken> due;
            try {
                due = dueRetries.take(clock.instant(), taken, fence);
            } catch (RuntimeException e) {
                slots.release(taken);
                throw e;
            }
            slots.release(taken - due.size());
            List<String> noRoom = new ArrayList<>();
            for (int i = 0; i < due.size(); i++) {
                try {
                    take(due.get(i), noRoom);
                } catch (RuntimeException e) {
                    // The rest stay pending here, not scheduled: a reclaimer takes them after claim-idle.
                    slots.release(due.size() - i - 1);
                    throw e;
                }
            }
            putBack(noRoom);
            if (due.size() < taken || allowed == 1) {
                return;
            }
        }
    }

    /** One due retry taken, with its entry slot: released, or handed to the dispatcher with the entry. */
    private void take(DueRetries.Taken t, List<String> noRoom) {
        switch (t.state()) {
            case SETTLED -> settled(t.id());
            case VANISHED -> {
                StreamEntry lost =
                        new StreamEntry(sub.stream(), t.id(), Map.of(), t.deliveries(), StreamEntry.Origin.VANISHED);
                dispatcher.dispatch(lost, held.charge(lost));
            }
            case HERE -> {
                if (held.spent()) {
                    noRoom.add(t.id());
                    slots.release();
                } else {
                    claimHere(t.id());
                }
            }
        }
    }

    /** Claims a due entry this poller has just moved here, if it is still this consumer's. */
    private void claimHere(String id) {
        Claim claim;
        try {
            claim = fetcher.claim(id, StreamEntry.Origin.RETRY);
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
        switch (claim.kind()) {
            case CLAIMED -> dispatcher.dispatch(claim.entry(), held.charge(claim.entry()));
            case SETTLED -> settled(id);
            case TAKEN_ELSEWHERE -> {
                // Claimed by another consumer after this poller moved it here (possible only if
                // this instance stalled past recovery.claim-idle), or re-read meanwhile from this
                // consumer's pending list by its reader, which delivers it: either way it is
                // delivered once, by that path. Not dispatched here, and its first-failure time is
                // kept for that path's retry or dead letter. An ordering lane here that waits for this
                // retry is not released now: the reclaimer lets it go on when, on two passes in
                // a row, the entry is neither scheduled nor pending here (RetryTakenElsewhere).
                slots.release();
                LOG.debug("subscription {}: retry of {} was claimed by another consumer", sub.name(), id);
            }
        }
    }

    /** No longer pending: another consumer settled it. */
    private void settled(String id) {
        store.clear(sub, id);
        dispatcher.settledElsewhere(id);
        slots.release();
    }

    /**
     * Due ids moved here but not claimed for lack of room: due again now, for the next poll. Their
     * delivery was not counted, and they stay pending here, scheduled, until then.
     */
    private void putBack(List<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
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
