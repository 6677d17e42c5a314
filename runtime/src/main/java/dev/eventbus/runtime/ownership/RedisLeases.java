package dev.eventbus.runtime.ownership;

import dev.eventbus.runtime.internal.Bytes;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.List;

/** The lease commands ({@link LeaseScripts}) on a connection. Thread-safe as its connection is. */
final class RedisLeases {

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final byte[] ttlMs;

    RedisLeases(RedisClusterCommands<byte[], byte[]> redis, Duration ttl) {
        this.redis = redis;
        this.ttlMs = Bytes.utf8(Long.toString(ttl.toMillis()));
    }

    /** The new fencing token, or 0 when someone else holds the lease unexpired. */
    long acquire(Lease lease) {
        Long token = redis.eval(
                LeaseScripts.ACQUIRE,
                ScriptOutputType.INTEGER,
                new byte[][] {Bytes.utf8(lease.leaseKey())},
                Bytes.utf8(lease.owner()),
                ttlMs);
        return token == null ? 0 : token;
    }

    /** Whether Redis extended it (false: no longer ours). */
    boolean renew(Lease lease, long token) {
        Long ok = redis.eval(
                LeaseScripts.RENEW,
                ScriptOutputType.INTEGER,
                new byte[][] {Bytes.utf8(lease.leaseKey())},
                Bytes.utf8(lease.owner()),
                Bytes.utf8(Long.toString(token)),
                ttlMs);
        return ok != null && ok == 1;
    }

    /** Compare-and-delete: releases it if still ours with this token. */
    boolean release(Lease lease, long token) {
        Long ok = redis.eval(
                LeaseScripts.RELEASE,
                ScriptOutputType.INTEGER,
                new byte[][] {Bytes.utf8(lease.leaseKey())},
                Bytes.utf8(lease.owner()),
                Bytes.utf8(Long.toString(token)));
        return ok != null && ok == 1;
    }

    /** The owner of a lease now (unexpired by the server's time), or null. */
    String ownerOf(String leaseKey, long serverNowMs) {
        List<io.lettuce.core.KeyValue<byte[], byte[]>> l =
                redis.hmget(Bytes.utf8(leaseKey), Bytes.utf8("owner"), Bytes.utf8("expires"));
        if (l.size() < 2 || !l.get(0).hasValue() || !l.get(1).hasValue()) {
            return null;
        }
        long expires = Long.parseLong(new String(l.get(1).getValue(), java.nio.charset.StandardCharsets.UTF_8));
        return expires > serverNowMs ? new String(l.get(0).getValue(), java.nio.charset.StandardCharsets.UTF_8) : null;
    }
}
