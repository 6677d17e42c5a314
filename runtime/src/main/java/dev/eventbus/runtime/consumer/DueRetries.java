package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Takes a subscription's due retries for this consumer. One script removes each due id from the
 * {@link RetryStore} and, in the same atomic step, moves the entry to this consumer in the group's
 * pending list (XCLAIM JUSTID: no delivery counted, idle time reset). There is no moment at which
 * a taken retry is neither scheduled nor this consumer's: a reclaimer (of any instance) leaves a
 * scheduled entry alone, and once it is here its idle time keeps reclaimers off for
 * {@code recovery.claim-idle}. The poller then claims each entry with {@link EntryFetcher#claim},
 * which counts the delivery only if the entry is still this consumer's.
 *
 * <p>The due set and the stream share a hash slot on a Redis Cluster ({@code KeyLayout}), so the
 * script is single-slot. If this instance dies after the script, the entries are pending here, and
 * a reclaimer takes them over once they are idle for {@code recovery.claim-idle}.
 */
final class DueRetries {

    /**
     * Per id: 0 when it is no longer pending (settled elsewhere), 1 when moved here, 2 when the
     * move found it deleted from the stream (Redis 7 dropped it from the pending list then; only
     * this caller can record the loss), with its delivery count.
     */
    private static final String TAKE_DUE = Fence.guard(3) + """
            local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
            local out = {}
            for _, id in ipairs(ids) do
                redis.call('ZREM', KEYS[2], id)
                local p = redis.call('XPENDING', KEYS[1], ARGV[3], id, id, 1)
                if #p == 0 then
                    out[#out + 1] = {id, 0, 0}
                elseif #redis.call('XCLAIM', KEYS[1], ARGV[3], ARGV[4], 0, id, 'JUSTID') == 0 then
                    out[#out + 1] = {id, 2, p[1][4]}
                else
                    out[#out + 1] = {id, 1, p[1][4]}
                end
            end
            return out
            """;

    /** One due retry taken: what became of it, and its delivery count so far. */
    record Taken(String id, State state, int deliveries) {}

    enum State {
        /** No longer pending: acknowledged or dead-lettered by another path. */
        SETTLED,
        /** Pending here now, its delivery not yet counted. */
        HERE,
        /** Deleted from the stream while it waited, and just dropped from the pending list. */
        VANISHED
    }

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final RetryStore store;
    private final Subscription sub;
    private final byte[] consumerName;

    DueRetries(RedisClusterCommands<byte[], byte[]> redis, RetryStore store, Subscription sub, String consumerName) {
        this.redis = redis;
        this.store = store;
        this.sub = sub;
        this.consumerName = Bytes.utf8(consumerName);
    }

    /**
     * Takes up to {@code max} entries due by {@code now}, in due order, while {@code fence} holds
     * (else the error {@code FENCED}, nothing taken).
     */
    List<Taken> take(Instant now, int max, Fence fence) {
        List<Object> reply = redis.eval(
                TAKE_DUE,
                ScriptOutputType.MULTI,
                fence.keys(Bytes.utf8(sub.stream()), Bytes.utf8(store.dueKey(sub))),
                fence.args(
                        Bytes.utf8(Long.toString(now.toEpochMilli())),
                        Bytes.utf8(Integer.toString(max)),
                        Bytes.utf8(sub.group()),
                        consumerName));
        List<Taken> taken = new ArrayList<>(reply.size());
        for (Object raw : reply) {
            List<?> row = (List<?>) raw;
            State state = State.values()[((Number) row.get(1)).intValue()];
            int deliveries = (int) Math.min(Integer.MAX_VALUE, ((Number) row.get(2)).longValue());
            taken.add(new Taken(new String((byte[]) row.get(0), StandardCharsets.UTF_8), state, deliveries));
        }
        return taken;
    }
}
