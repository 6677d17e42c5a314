package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.failure.RetryStore;
import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The reclaimer's scan: takes entries idle past {@code recovery.claim-idle} in any consumer's
 * pending list to this consumer (XAUTOCLAIM JUSTID: no delivery counted) and, in the same atomic
 * script, leaves out of its answer those scheduled for a retry. Those are moved here all the same
 * (off a dead consumer, which can then go) and wait for the retry poller, which moves each to its
 * own consumer in one atomic step with taking it from the {@link RetryStore} ({@link DueRetries}).
 * So an id this scan returns is not scheduled and cannot become a due retry before it is
 * delivered: no poller takes it.
 *
 * <p>The due set and the stream share a hash slot on a Redis Cluster, so the script is
 * single-slot.
 */
final class IdleEntries {

    /** Redis 6.2 has no third XAUTOCLAIM reply element (deleted ids): the table then ends at the nil. */
    private static final String AUTOCLAIM_UNSCHEDULED = Fence.guard(3) + """
            local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5], 'JUSTID')
            local free = {}
            for _, id in ipairs(r[2]) do
                if not redis.call('ZSCORE', KEYS[2], id) then free[#free + 1] = id end
            end
            return {r[1], free, r[3]}
            """;

    /**
     * One scan step.
     *
     * @param cursor where the next step starts ({@code 0-0} when the pending list is done)
     * @param ids idle entries moved here and not scheduled for a retry: this consumer's to claim
     * @param deleted entries found deleted while pending, which Redis dropped from the pending list
     */
    record Page(String cursor, List<String> ids, List<String> deleted) {}

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final RetryStore store;
    private final Subscription sub;
    private final String consumerName;
    private final Duration claimIdle;

    IdleEntries(
            RedisClusterCommands<byte[], byte[]> redis,
            RetryStore store,
            Subscription sub,
            String consumerName,
            Duration claimIdle) {
        this.redis = redis;
        this.store = store;
        this.sub = sub;
        this.consumerName = consumerName;
        this.claimIdle = claimIdle;
    }

    /** Up to {@code count} idle entries from {@code cursor} on, while {@code fence} holds (else {@code FENCED}). */
    Page next(String cursor, int count, Fence fence) {
        List<Object> reply = redis.eval(
                AUTOCLAIM_UNSCHEDULED,
                ScriptOutputType.MULTI,
                fence.keys(Bytes.utf8(sub.stream()), Bytes.utf8(store.dueKey(sub))),
                fence.args(
                        Bytes.utf8(sub.group()),
                        Bytes.utf8(consumerName),
                        Bytes.utf8(Long.toString(claimIdle.toMillis())),
                        Bytes.utf8(cursor),
                        Bytes.utf8(Integer.toString(count))));
        List<String> ids = texts(reply.get(1));
        List<String> deleted = reply.size() > 2 ? texts(reply.get(2)) : List.of();
        return new Page(text(reply.get(0)), ids, deleted);
    }

    private static List<String> texts(Object list) {
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) list) {
            out.add(text(o));
        }
        return out;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
