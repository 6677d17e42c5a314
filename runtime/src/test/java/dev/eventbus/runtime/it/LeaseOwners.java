package dev.eventbus.runtime.it;

import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.runtime.ownership.Lease;
import dev.eventbus.runtime.ownership.Rendezvous;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An outside view of who is live and who holds each partition's lease of one group, read from
 * Redis as an operator would (the registry and one HMGET per lease), with no runtime's help. The
 * host's clock stands in for Redis's: the tests run both on one machine.
 */
final class LeaseOwners {

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final PartitionedStream stream;
    private final String group;
    private final Duration leaseTtl;

    LeaseOwners(RedisClusterCommands<byte[], byte[]> redis, PartitionedStream stream, String group, Duration leaseTtl) {
        this.redis = redis;
        this.stream = stream;
        this.group = group;
        this.leaseTtl = leaseTtl;
    }

    /** The instances whose last heartbeat is younger than the lease ttl. */
    Set<String> live() {
        long now = System.currentTimeMillis();
        Set<String> live = new HashSet<>();
        for (byte[] id : redis.zrangebyscore(
                bytes(InstanceRegistry.KEY),
                Range.from(Range.Boundary.excluding(now - leaseTtl.toMillis()), Range.Boundary.unbounded()))) {
            live.add(new String(id, StandardCharsets.UTF_8));
        }
        return live;
    }

    /** Partition key to the owner of its unexpired lease; a partition without one is absent. */
    Map<String, String> owners() {
        long now = System.currentTimeMillis();
        Map<String, String> owners = new TreeMap<>();
        for (String key : stream.keys()) {
            List<KeyValue<byte[], byte[]>> lease =
                    redis.hmget(bytes(Lease.keyOf(key, group)), bytes("owner"), bytes("expires"));
            if (lease.get(0).hasValue()
                    && lease.get(1).hasValue()
                    && Long.parseLong(new String(lease.get(1).getValue(), StandardCharsets.UTF_8)) > now) {
                owners.put(key, new String(lease.get(0).getValue(), StandardCharsets.UTF_8));
            }
        }
        return owners;
    }

    /**
     * Whether the live set is exactly {@code live} and every partition is held by the instance
     * rendezvous hashing assigns it among them: a rebalance is over.
     */
    boolean settledOn(Set<String> live) {
        if (!live().equals(live)) {
            return false;
        }
        Map<String, String> owners = owners();
        return stream.keys().stream()
                .allMatch(key -> Rendezvous.owner(group + "@" + key, live).equals(owners.get(key)));
    }

    /** Polls until {@link #settledOn} holds; returns the time it took, in ms from {@code sinceNanos}. */
    long awaitSettledOn(Set<String> live, long sinceNanos, Duration timeout) throws InterruptedException {
        Streams.await("partitions settled on " + live, timeout, () -> settledOn(live));
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
