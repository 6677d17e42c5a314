package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.RecoverySettings;
import dev.eventbus.runtime.dispatch.SubscriptionDispatch;
import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.internal.Loop;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.ownership.PartitionGate;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The janitor of one subscription, every {@code recovery.interval}:
 * <ol>
 *   <li>renews the claims of the entries this instance is handling (XCLAIM JUSTID), so that no
 *       one takes live work however long a handler runs; an entry the renewal finds deleted (Redis
 *       drops it from the pending list then) is marked, and recorded as a loss if it is not handled;</li>
 *   <li>takes over entries idle past {@code recovery.claim-idle} in any consumer's pending list
 *       (XAUTOCLAIM, following the cursor), which is how the entries of a dead instance come back;
 *       entries Redis reports deleted while pending become loss records with reason
 *       {@code trimmed}; entries waiting for a retry are left to the retry poller, decided in the
 *       same atomic script as the XAUTOCLAIM ({@link IdleEntries}), and an entry is delivered only
 *       if it is still this consumer's when claimed;</li>
 *   <li>removes ghost consumers (of no live instance, {@link GhostConsumers}) once they have
 *       nothing pending, atomically: a ghost keeps its consumer until a live instance claimed its
 *       pending entries;</li>
 *   <li>lets an ordering lane go on when the retry it waits for was taken by another instance
 *       (retries are shared by the group): when on two passes in a row its entry was neither
 *       scheduled for a retry nor pending here (acknowledged, or claimed by another consumer).
 *       An entry still pending here without a retry (its retry or dead letter could not be
 *       written) keeps its lane until it is reclaimed, and goes first then.</li>
 * </ol>
 */
final class PendingReclaimer {

    private static final Logger LOG = LoggerFactory.getLogger(PendingReclaimer.class);
    private static final int MAX_PER_CLAIM = 100;
    /** Returns how many consumers were deleted (0 or 1), or -1 when it has pending entries: either is safe to ignore. */
    private static final String DELETE_IF_EMPTY = """
            local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
            if #p == 0 then return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
            return -1
            """;

    private final Loop loop;
    private final Subscription sub;
    private final RedisClusterCommands<byte[], byte[]> redis;
    private final String consumerName;
    private final EntryFetcher fetcher;
    private final IdleEntries idle;
    private final RetryStore retries;
    private final EntrySlots slots;
    private final HeldBytes held;
    private final SubscriptionDispatch dispatcher;
    private final RecoverySettings settings;
    private final GhostConsumers ghosts;
    private final RetryTakenElsewhere retryTakenElsewhere = new RetryTakenElsewhere();

    /** @param reconnect why {@code redis}'s client fails to reconnect, for the words of a round refused meanwhile */
    PendingReclaimer(
            Subscription sub,
            RedisClusterCommands<byte[], byte[]> redis,
            ReconnectReason reconnect,
            String consumerName,
            RetryStore retries,
            EntrySlots slots,
            HeldBytes held,
            long maxEventBytes,
            SubscriptionDispatch dispatcher,
            RecoverySettings settings,
            GhostConsumers ghosts,
            PartitionGate gate) {
        this.sub = sub;
        this.redis = redis;
        this.consumerName = consumerName;
        this.fetcher = new EntryFetcher(redis, sub, consumerName, maxEventBytes);
        this.idle = new IdleEntries(redis, retries, sub, consumerName, settings.claimIdle());
        this.retries = retries;
        this.slots = slots;
        this.held = held;
        this.dispatcher = dispatcher;
        this.settings = settings;
        this.ghosts = ghosts;

        Loop.Task round = Fence.ownedRound(
                gate,
                this::iteration,
                token -> LOG.info(
                        "subscription {}: the partition's lease is gone (token {}): no claim here", sub.name(), token));
        this.loop = Loop.every("eventbus-reclaim-" + sub.name(), settings.interval(), LOG, reconnect, () -> {
            round.run();
            releaseLanesUnlessOwner();
        });
    }

    /** Its loop: started and stopped with the subscription's reader. */
    Loop loop() {
        return loop;
    }

    private void iteration(Fence fence) {
        int deleted = dispatcher.renewHeld(ids -> fetcher.renew(ids, fence));
        if (deleted > 0) {
            LOG.warn(
                    "subscription {}: {} entr(ies) held here were deleted or trimmed from the stream (Redis dropped "
                            + "them from the pending list): each is handled if its handler succeeds, otherwise recorded as a "
                            + "loss (trimmed)",
                    sub.name(),
                    deleted);
        }
        reclaimIdle(fence);
        deleteGhosts();
        releaseLanesWhoseRetryWentElsewhere();
    }

    /**
     * Not the owner now (handed over, or the lease lapsed): {@link #iteration} does not run, so
     * nothing else would let the lanes held for a retry go on, and the events waiting in them would
     * keep their slots (see {@link SubscriptionDispatch#releaseLanesUnlessOwner}).
     */
    private void releaseLanesUnlessOwner() {
        int released = dispatcher.releaseLanesUnlessOwner();
        if (released > 0) {
            LOG.info(
                    "subscription {}: not the partition's owner now: {} subject(s) held for a retry go on, their "
                            + "waiting events stay pending for the owner",
                    sub.name(),
                    released);
        }
    }

    private void releaseLanesWhoseRetryWentElsewhere() {
        for (String id : retryTakenElsewhere.pass(
                dispatcher.heldForRetry(), id -> retries.isScheduled(redis, sub, id) || fetcher.ownedHere(id))) {
            LOG.info(
                    "subscription {}: {} is no longer pending here (another instance took its retry, or it was "
                            + "settled): the events of its subject go on",
                    sub.name(),
                    id);
            dispatcher.settledElsewhere(id);
        }
    }

    private void reclaimIdle(Fence fence) {
        String cursor = "0-0";
        int reclaimed = 0;
        int lost = 0;
        do {
            int taken = held.spent() || !dispatcher.hasAckRoom() ? 0 : slots.tryTake(MAX_PER_CLAIM);
            if (taken == 0) {
                return; // busy, the read-ahead bytes spent or the acks at their limit: the next round continues
            }
            IdleEntries.Page page;
            try {
                page = idle.next(cursor, taken, fence);
            } catch (RuntimeException e) {
                slots.release(taken);
                throw e;
            }
            cursor = page.cursor();
            slots.release(taken - page.ids().size());
            int left = page.ids().size();
            for (String id : page.ids()) {
                left--;
                if (held.spent()) {
                    // Claimed to this consumer by XAUTOCLAIM JUSTID but not read: pending here, not
                    // renewed, so idle again after claim-idle and taken over on a later pass.
                    slots.release(left + 1);
                    LOG.debug(
                            "subscription {}: {} idle entr(ies) left for a later pass, the read-ahead bytes are "
                                    + "spent",
                            sub.name(),
                            left + 1);
                    break;
                }
                Claim claim;
                try {
                    claim = fetcher.claim(id, StreamEntry.Origin.RECLAIM);
                } catch (RuntimeException e) {
                    slots.release(left + 1); // the rest stay pending here: a later pass takes them
                    throw e;
                }
                if (claim.kind() == Claim.Kind.CLAIMED) {
                    reclaimed++;
                    dispatcher.dispatch(claim.entry(), held.charge(claim.entry()));
                } else {
                    slots.release(); // settled, or taken since by another claim: not this pass's
                }
            }
            for (String id : page.deleted()) {
                // Redis has already dropped it from the pending list; what remains is to record the loss
                // (no worker needed: a loss record is written without calling the handler).
                lost++;
                dispatcher.dispatch(
                        new StreamEntry(sub.stream(), id, Map.of(), 0, StreamEntry.Origin.VANISHED), () -> {});
            }
        } while (!cursor.equals("0-0") && !loop.isStopping());
        if (reclaimed + lost > 0) {
            LOG.info(
                    "subscription {}: took over {} idle entr(ies) of other consumers, {} deleted while pending "
                            + "(recorded as losses)",
                    sub.name(),
                    reclaimed,
                    lost);
        }
    }

    private void deleteGhosts() {
        GhostConsumers.Rule rule;
        try {
            rule = ghosts.now();
        } catch (RuntimeException e) {
            // The registry could not be read: no consumer is judged a ghost this pass.
            LOG.debug("subscription {}: live instances unreadable, no consumer removed this pass", sub.name(), e);
            return;
        }
        for (Object info : redis.xinfoConsumers(Bytes.utf8(sub.stream()), Bytes.utf8(sub.group()))) {
            List<?> kv = (List<?>) info;
            String name = null;
            long pending = -1;
            long idle = -1;
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                switch (text(kv.get(i))) {
                    case "name" -> name = text(kv.get(i + 1));
                    case "pending" -> pending = ((Number) kv.get(i + 1)).longValue();
                    case "idle" -> idle = ((Number) kv.get(i + 1)).longValue();
                    default -> {}
                }
            }
            if (!rule.removable(name, pending, idle)) {
                continue;
            }
            Long result = redis.eval(
                    DELETE_IF_EMPTY,
                    ScriptOutputType.INTEGER,
                    new byte[][] {Bytes.utf8(sub.stream())},
                    Bytes.utf8(sub.group()),
                    Bytes.utf8(name));
            if (result != null && result >= 0) {
                LOG.info(
                        "subscription {}: removed ghost consumer '{}' (no live instance, nothing pending, idle {} s)",
                        sub.name(),
                        name,
                        idle / 1000);
            }
        }
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
