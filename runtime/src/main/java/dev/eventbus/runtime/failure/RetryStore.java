package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.stream.KeyLayout;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * Retry state, kept in Redis so that a kill at any instant loses nothing: per subscription a
 * sorted set of entry ids scored by when they are due, and a hash of first-failure times for
 * dead-letter provenance, which also counts each entry's deliveries that failed only because a
 * service was down (field {@code <id>:service-down}), since Redis's delivery count cannot tell
 * them from the failures that count against {@code retry.max-attempts}. The entries themselves stay in the
 * group's pending list until their outcome is durable; this store only says when to try again.
 * The {@link KeyLayout} names both keys.
 *
 * <p>Due retries are taken by the retry poller's own script ({@code DueRetries}), which removes an
 * id here and moves its entry to the poller's consumer in one atomic step.
 *
 * <p>Thread-safe.
 */
public final class RetryStore {

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

    /** The sorted set of the subscription's due retries; in its stream's hash slot on a cluster. */
    public String dueKey(Subscription sub) {
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
        return schedule(sub, entryId, due, failedAt, false);
    }

    /**
     * As {@link #schedule(Subscription, String, Instant, Instant)}, and when {@code serviceDown}
     * counts the failure as one of the entry's service-down failures. That count is written before
     * the due time, on the same connection, so the entry's next delivery (which needs the due
     * time) finds it; if only it fails, the failure counts as an attempt after all.
     */
    public CompletableFuture<Void> schedule(
            Subscription sub, String entryId, Instant due, Instant failedAt, boolean serviceDown) {
        var hset = async.hsetnx(
                Bytes.utf8(firstFailureKey(sub)),
                Bytes.utf8(entryId),
                Bytes.utf8(Long.toString(failedAt.toEpochMilli())));
        CompletableFuture<?> down = serviceDown
                ? async.hincrby(Bytes.utf8(firstFailureKey(sub)), serviceDownField(entryId), 1)
                        .toCompletableFuture()
                : CompletableFuture.completedFuture(null);
        var zadd = async.zadd(Bytes.utf8(dueKey(sub)), (double) due.toEpochMilli(), Bytes.utf8(entryId));
        return CompletableFuture.allOf(hset.toCompletableFuture(), down, zadd.toCompletableFuture());
    }

    /** What is recorded of the entry's failures so far ({@link RetryRecord#NONE} if nothing). */
    public CompletableFuture<RetryRecord> record(Subscription sub, String entryId) {
        return async.hmget(Bytes.utf8(firstFailureKey(sub)), Bytes.utf8(entryId), serviceDownField(entryId))
                .toCompletableFuture()
                .thenApply(values -> new RetryRecord(
                        values.get(0).hasValue()
                                ? Instant.ofEpochMilli(number(values.get(0).getValue()))
                                : null,
                        values.get(1).hasValue()
                                ? (int) Math.min(
                                        Integer.MAX_VALUE, number(values.get(1).getValue()))
                                : 0));
    }

    private static long number(byte[] value) {
        return Long.parseLong(new String(value, StandardCharsets.UTF_8));
    }

    /** Beside the id's first-failure time; an entry id holds no ':', so no id is ever this name. */
    private static byte[] serviceDownField(String entryId) {
        return Bytes.utf8(entryId + ":service-down");
    }

    /**
     * Forgets an entry whose outcome is final. Fire and forget, replies and failures unread: a due
     * time left behind brings the id to the retry poller, which finds it no longer pending and
     * clears it again; a first-failure time or service-down count left behind is a few bytes,
     * read only if the same entry failed again.
     */
    public void clear(Subscription sub, String entryId) {
        async.zrem(Bytes.utf8(dueKey(sub)), Bytes.utf8(entryId));
        async.hdel(Bytes.utf8(firstFailureKey(sub)), Bytes.utf8(entryId), serviceDownField(entryId));
    }

    /** Whether an entry is waiting for a retry. */
    public boolean isScheduled(RedisClusterCommands<byte[], byte[]> redis, Subscription sub, String entryId) {
        return redis.zscore(Bytes.utf8(dueKey(sub)), Bytes.utf8(entryId)) != null;
    }
}
