package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.stream.KeyLayout;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Retry state, kept in Redis so that a kill at any instant loses nothing: per subscription a
 * sorted set of entry ids scored by when they are due, and a hash of first-failure times for dead-letter provenance. The entries themselves stay in the
 * group's pending list until their outcome is durable; this store only says when to try again.
 * The {@link KeyLayout} names both keys.
 *
 * <p>Taking due retries is one atomic script, so two instances never retry the same entry at once.
 *
 * <p>Thread-safe.
 */
public final class RetryStore {

    /** The ZREMs' replies are not read: each id was read from the set a line earlier in the same atomic script. */
    private static final String POP_DUE = """
            local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
            for _, id in ipairs(ids) do redis.call('ZREM', KEYS[1], id) end
            return ids
            """;

    private final RedisClusterAsyncCommands<byte[], byte[]> async;
    private final KeyLayout keys;

    public RetryStore(RedisClusterAsyncCommands<byte[], byte[]> async, KeyLayout keys) {
        this.async = async;
        this.keys = keys;
    }

    /** The sorted set of due retries on one node ({@link SingleNodeKeys}). */
    public static String dueKey(String group, String stream) {
        return new SingleNodeKeys("").retryDue(group, stream);
    }

    private String dueKey(Subscription sub) {
        return keys.retryDue(sub.group(), sub.stream());
    }

    private String firstFailureKey(Subscription sub) {
        return keys.firstFailures(sub.group(), sub.stream());
    }

    /**
     * Records that the entry is due at {@code due}; keeps the earliest first-failure time. The
     * replies say only whether a field was new (HSETNX 0: an earlier failure is kept, as meant;
     * ZADD 0: an existing due time was moved): either is fine. Failures reach the caller.
     */
    public CompletableFuture<Void> schedule(Subscription sub, String entryId, Instant due, Instant failedAt) {
        var hset = async.hsetnx(
                Bytes.utf8(firstFailureKey(sub)),
                Bytes.utf8(entryId),
                Bytes.utf8(Long.toString(failedAt.toEpochMilli())));
        var zadd = async.zadd(Bytes.utf8(dueKey(sub)), (double) due.toEpochMilli(), Bytes.utf8(entryId));
        return CompletableFuture.allOf(hset.toCompletableFuture(), zadd.toCompletableFuture());
    }

    /** When the entry first failed, or {@code null} if it never did (or the record is gone). */
    public CompletableFuture<Instant> firstFailure(Subscription sub, String entryId) {
        return async.hget(Bytes.utf8(firstFailureKey(sub)), Bytes.utf8(entryId))
                .toCompletableFuture()
                .thenApply(v ->
                        v == null ? null : Instant.ofEpochMilli(Long.parseLong(new String(v, StandardCharsets.UTF_8))));
    }

    /**
     * Forgets an entry whose outcome is final. Fire and forget, replies and failures unread: a due
     * time left behind brings the id to the retry poller, which finds it no longer pending and
     * clears it again; a first-failure time left behind is a few bytes, read only if the same
     * entry failed again.
     */
    public void clear(Subscription sub, String entryId) {
        async.zrem(Bytes.utf8(dueKey(sub)), Bytes.utf8(entryId));
        async.hdel(Bytes.utf8(firstFailureKey(sub)), Bytes.utf8(entryId));
    }

    /** Whether an entry is waiting for a retry. */
    public boolean isScheduled(RedisClusterCommands<byte[], byte[]> redis, Subscription sub, String entryId) {
        return redis.zscore(Bytes.utf8(dueKey(sub)), Bytes.utf8(entryId)) != null;
    }

    /** Atomically takes up to {@code max} entries due by {@code now}. */
    public List<String> takeDue(RedisClusterCommands<byte[], byte[]> redis, Subscription sub, Instant now, int max) {
        List<byte[]> ids = redis.eval(
                POP_DUE,
                ScriptOutputType.MULTI,
                new byte[][] {Bytes.utf8(dueKey(sub))},
                Bytes.utf8(Long.toString(now.toEpochMilli())),
                Bytes.utf8(Integer.toString(max)));
        List<String> result = new ArrayList<>(ids.size());
        for (byte[] id : ids) {
            result.add(new String(id, StandardCharsets.UTF_8));
        }
        return result;
    }
}
