package dev.eventbus.runtime.ownership;

import dev.eventbus.runtime.internal.Bytes;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The live instances: a sorted set in Redis ({@value #KEY}), each instance's id scored by the
 * server's time of its last heartbeat. An instance is live while its last heartbeat is younger than
 * the lease ttl. One key of its own (one slot on Redis Cluster). Thread-safe (it holds no state
 * of its own): the coordinator's loop heartbeats through it, the reclaimers {@linkplain #live()
 * read} it.
 */
public final class InstanceRegistry {

    /** The registry's key. */
    public static final String KEY = "eventbus:instances";

    /** Silent this long, an instance is dropped from the set altogether. */
    private static final Duration FORGET_AFTER = Duration.ofHours(1);

    /** One live instance and its last heartbeat (server time). */
    public record LiveInstance(String id, Instant lastHeartbeat) {}

    /** The server's time and the live set, from one heartbeat. */
    public record Heartbeat(Instant serverTime, List<LiveInstance> live) {

        public List<String> ids() {
            return live.stream().map(LiveInstance::id).toList();
        }
    }

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final Duration liveFor;

    /** @param liveFor how young a heartbeat keeps an instance live ({@code ownership.lease-ttl}) */
    public InstanceRegistry(RedisClusterCommands<byte[], byte[]> redis, Duration liveFor) {
        this.redis = redis;
        this.liveFor = liveFor;
    }

    /** Records {@code id}'s heartbeat (none when empty: only reads) and returns the live set. */
    Heartbeat beat(String id) {
        List<Object> reply = redis.eval(
                LeaseScripts.HEARTBEAT,
                ScriptOutputType.MULTI,
                new byte[][] {Bytes.utf8(KEY)},
                Bytes.utf8(id),
                Bytes.utf8(Long.toString(liveFor.toMillis())),
                Bytes.utf8(Long.toString(FORGET_AFTER.toMillis())));
        Instant now = Instant.ofEpochMilli(Long.parseLong(text(reply.get(0))));
        List<LiveInstance> live = new ArrayList<>();
        for (int i = 1; i + 1 < reply.size(); i += 2) {
            live.add(new LiveInstance(
                    text(reply.get(i)), Instant.ofEpochMilli((long) Double.parseDouble(text(reply.get(i + 1))))));
        }
        return new Heartbeat(now, List.copyOf(live));
    }

    /** The live set, read now (no heartbeat recorded). */
    public Heartbeat live() {
        return beat("");
    }

    /** Leaves the live set at once (a stopping instance), so the others reassign without waiting. */
    void leave(String id) {
        redis.zrem(Bytes.utf8(KEY), Bytes.utf8(id));
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
