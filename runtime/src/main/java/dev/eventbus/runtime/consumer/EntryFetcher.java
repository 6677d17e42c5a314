package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.models.stream.PendingMessage;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Takes over one pending entry for this consumer and returns it with its delivery count, or tells
 * that it is gone: deleted or trimmed while pending (a loss to record) or already acknowledged.
 * Used by the retry poller and the reclaimer, on entries they have moved to this consumer first;
 * the existence check comes before the claim because Redis 7 silently drops deleted entries from
 * the pending list when they are claimed.
 *
 * <p>Entries are decoded with the reader's bounded decoder ({@link NewEntriesOutput#entryList}):
 * an entry over {@code consumer.max-event-bytes} keeps only the fields that fit, so it is
 * dead-lettered as too large without being held whole, and the existence check copies no field.
 */
final class EntryFetcher {

    /**
     * KEYS[stream, lease] ARGV[group, consumer, id..., owner, token]: XCLAIM JUSTID of the ids
     * (idle time reset, no delivery counted) while the lease holds, else {@code FENCED}. The ids
     * are unpacked last: Lua passes only the first value of an unpack that is not.
     */
    private static final String FENCED_RENEW = Fence.guard(2)
            + "local a = {KEYS[1], ARGV[1], ARGV[2], 0} "
            + "for i = 3, #ARGV - 2 do a[#a + 1] = ARGV[i] end "
            + "a[#a + 1] = 'JUSTID' "
            + "return redis.call('XCLAIM', unpack(a))";

    /** Ids per fenced renewal: well under what Lua can unpack at once ({@link dev.eventbus.runtime.internal.LuaLimits}). */
    private static final int RENEW_CHUNK = 1000;

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final Subscription sub;
    private final byte[] stream;
    private final byte[] group;
    private final Consumer<byte[]> me;
    private final String consumerName;
    private final long maxEventBytes;

    EntryFetcher(
            RedisClusterCommands<byte[], byte[]> redis, Subscription sub, String consumerName, long maxEventBytes) {
        this.redis = redis;
        this.maxEventBytes = maxEventBytes;
        this.sub = sub;
        this.stream = Bytes.utf8(sub.stream());
        this.group = Bytes.utf8(sub.group());
        this.me = Consumer.from(group, Bytes.utf8(consumerName));
        this.consumerName = consumerName;
    }

    /**
     * Claims an entry that the caller has first taken to this consumer in an atomic step with its
     * decision to (the retry poller's take of a due retry, the reclaimer's scan of idle entries,
     * both XCLAIM / XAUTOCLAIM JUSTID): only then does the delivery count, and only if the entry is
     * still this consumer's. That step moved the entry here with its idle time reset, so no other
     * consumer's reclaimer takes it for {@code recovery.claim-idle}; should one have taken it all
     * the same (this instance stalled that long), the entry is that consumer's and is left to it.
     * The claim is conditional too, the standard Redis way: MIN-IDLE-TIME is the idle time
     * XPENDING just reported, and a claim by anyone in between resets it, so this one fails.
     *
     * @return the entry (no fields when it was deleted while pending; origin {@code VANISHED} when
     *     the claim itself dropped it from the pending list), or that it is settled, or that
     *     another consumer holds it
     */
    Claim claim(String id, StreamEntry.Origin origin) {
        PendingMessage pending = pending(id);
        if (pending == null) {
            return Claim.SETTLED;
        }
        if (!consumerName.equals(pending.getConsumer())) {
            return Claim.TAKEN_ELSEWHERE;
        }
        if (!exists(id)) {
            return Claim.of(new StreamEntry(sub.stream(), id, Map.of(), (int) pending.getRedeliveryCount(), origin));
        }
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .addKey(stream)
                .add(group)
                .add(me.getName())
                .add(pending.getMsSinceLastDelivery())
                .add(id);
        List<StreamEntry> claimed = redis.dispatch(
                CommandType.XCLAIM, NewEntriesOutput.entryList(sub.stream(), origin, maxEventBytes), args);
        if (claimed.isEmpty()) {
            if (pending(id) != null) {
                return Claim.TAKEN_ELSEWHERE; // claimed in between: the reset idle time refused this claim
            }
            // Acknowledged meanwhile, or deleted between the check and the claim: then the claim has
            // just dropped it from the pending list, as XAUTOCLAIM does with the ones it reports
            // deleted, and no other path can see it any more to record the loss.
            return !exists(id)
                    ? Claim.of(new StreamEntry(
                            sub.stream(),
                            id,
                            Map.of(),
                            (int) pending.getRedeliveryCount(),
                            StreamEntry.Origin.VANISHED))
                    : Claim.SETTLED;
        }
        int deliveries = (int) pending.getRedeliveryCount() + 1;
        return Claim.of(new StreamEntry(sub.stream(), id, claimed.get(0).fields(), deliveries, origin));
    }

    /** Whether the entry is in the stream; none of its fields is copied (they may be large). */
    private boolean exists(String id) {
        CommandArgs<byte[], byte[]> args = new CommandArgs<>(ByteArrayCodec.INSTANCE)
                .addKey(stream)
                .add(id)
                .add(id);
        return !redis.dispatch(
                        CommandType.XRANGE, NewEntriesOutput.entryList(sub.stream(), StreamEntry.Origin.NEW, 0), args)
                .isEmpty();
    }

    /** Whether the entry is pending and delivered to this consumer (not acknowledged, not claimed by another). */
    boolean ownedHere(String id) {
        PendingMessage pending = pending(id);
        return pending != null && consumerName.equals(pending.getConsumer());
    }

    /** The entry's pending-list record, or null when it is not pending. */
    private PendingMessage pending(String id) {
        List<PendingMessage> pending = redis.xpending(stream, group, Range.create(id, id), Limit.from(1));
        return pending.isEmpty() ? null : pending.get(0);
    }

    /**
     * Resets the idle time of entries this consumer is handling, without counting a delivery.
     *
     * @return the ids deleted from the stream: Redis 7 drops those from the pending list when they
     *     are claimed and leaves them out of the reply, so only the caller knows of them now. An id
     *     left out but still in the stream was acknowledged meanwhile (its outcome is known).
     */
    List<String> renew(List<String> ids, Fence fence) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Set<String> kept = new HashSet<>();
        if (fence.fenced()) {
            for (int from = 0; from < ids.size(); from += RENEW_CHUNK) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + RENEW_CHUNK));
                byte[][] args = new byte[chunk.size() + 2][];
                args[0] = group;
                args[1] = me.getName();
                for (int i = 0; i < chunk.size(); i++) {
                    args[i + 2] = Bytes.utf8(chunk.get(i));
                }
                List<Object> renewed =
                        redis.eval(FENCED_RENEW, ScriptOutputType.MULTI, fence.keys(stream), fence.args(args));
                renewed.forEach(id -> kept.add(new String((byte[]) id, java.nio.charset.StandardCharsets.UTF_8)));
            }
        } else {
            redis.xclaim(stream, me, XClaimArgs.Builder.minIdleTime(0).justid(), ids.toArray(String[]::new))
                    .forEach(m -> kept.add(m.getId()));
        }
        if (kept.size() == ids.size()) {
            return List.of();
        }
        List<String> deleted = new ArrayList<>();
        for (String id : ids) {
            if (!kept.contains(id) && !exists(id)) {
                deleted.add(id);
            }
        }
        return deleted;
    }
}
