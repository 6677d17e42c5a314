package dev.eventbus.bench;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The benchmark's side of a Redis Cluster: the partitioned stream {@link Wire#STREAM} as Eventbus
 * lays it out ({@code {bench:events:i/N}}, one hash tag per partition, so the partitions spread over
 * the primaries), filled and watched through a Lettuce cluster client.
 */
final class ClusterOps implements AutoCloseable {

    /** Partitions of the cluster rows' stream: on a local 3-primary cluster they land on all 3 primaries. */
    static final int PARTITIONS = 8;

    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<byte[], byte[]> connection;
    /** The stream's keys: the partitions, or the one unpartitioned key. */
    private final List<String> keys;

    /**
     * @param seeds {@code host:port,host:port,...}
     * @param timeout of each command
     */
    ClusterOps(String seeds, Duration timeout) {
        this(seeds, timeout, true);
    }

    /** @param partitioned whether the stream is partitioned ({@link #PARTITIONS}) or the one key {@link Wire#STREAM} */
    ClusterOps(String seeds, Duration timeout, boolean partitioned) {
        client = client(seeds, timeout);
        connection = client.connect(ByteArrayCodec.INSTANCE);
        List<String> k = new ArrayList<>();
        for (int i = 0; i < (partitioned ? PARTITIONS : 1); i++) {
            k.add(partitioned ? key(i) : Wire.STREAM);
        }
        keys = List.copyOf(k);
    }

    /**
     * A cluster client as a careful engineer configures one for failovers: topology refreshed every
     * second and on MOVED, ASK and reconnects. A command queued for a node that died fails after
     * {@code timeout}, so that a loop can try it again on the promoted replica.
     */
    static RedisClusterClient client(String seeds, Duration timeout) {
        List<RedisURI> uris = new ArrayList<>();
        for (String seed : seeds.split(",")) {
            RedisURI uri = RedisURI.create("redis://" + seed);
            uri.setTimeout(timeout);
            uris.add(uri);
        }
        RedisClusterClient client = RedisClusterClient.create(uris);
        client.setOptions(ClusterClientOptions.builder()
                .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(1))
                        .enableAllAdaptiveRefreshTriggers()
                        .build())
                .build());
        return client;
    }

    /** The Redis key of partition {@code i}, as Eventbus derives it. */
    static String key(int i) {
        return "{" + Wire.STREAM + ":" + i + "/" + PARTITIONS + "}";
    }

    static String uri(String seeds) {
        return "redis-cluster://" + seeds;
    }

    StatefulRedisClusterConnection<byte[], byte[]> connection() {
        return connection;
    }

    /** Adds events {@code from} ... {@code from + count - 1}, event i to partition i mod N, pipelined. */
    void fill(long from, long count) throws Exception {
        var async = connection.async();
        List<RedisFuture<String>> window = new ArrayList<>();
        for (long i = from; i < from + count; i++) {
            window.add(async.xadd(Wire.bytes(key((int) (i % PARTITIONS))), Wire.event(i, -1)));
            if (window.size() == 2_000) {
                await(window);
            }
        }
        await(window);
    }

    /**
     * Adds events {@code 0 .. events-1} over {@code subjects} subjects in turn, each to its subject's
     * partition ({@code crc32(subject) mod N}, as Eventbus's producers pick it), pipelined.
     */
    void fillBySubject(long events, long subjects) throws Exception {
        var async = connection.async();
        List<RedisFuture<String>> window = new ArrayList<>();
        for (long i = 0; i < events; i++) {
            Map<byte[], byte[]> event = Wire.event(i, subjects, -1);
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            crc.update(Wire.field(event, Wire.F_SUBJECT));
            window.add(async.xadd(Wire.bytes(keys.get((int) (crc.getValue() % keys.size()))), event));
            if (window.size() == 2_000) {
                await(window);
            }
        }
        await(window);
    }

    private static void await(List<RedisFuture<String>> window) throws Exception {
        for (RedisFuture<String> f : window) {
            f.get(30, TimeUnit.SECONDS);
        }
        window.clear();
    }

    /** Entries of all partitions. */
    long length() {
        long n = 0;
        for (String k : keys) {
            n += connection.sync().xlen(Wire.bytes(k));
        }
        return n;
    }

    /** Entries pending in {@code group} over all partitions (a partition without the group counts as none). */
    long pending(String group) {
        RedisAdvancedClusterCommands<byte[], byte[]> sync = connection.sync();
        long n = 0;
        for (String k : keys) {
            try {
                n += sync.xpending(Wire.bytes(k), Wire.bytes(group)).getCount();
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).startsWith("NOGROUP")) {
                    throw e;
                }
            }
        }
        return n;
    }

    /** Waits until nothing is pending in {@code group}; returns that moment ({@link System#nanoTime()}). */
    long awaitNothingPending(String group, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending(group) != 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("still " + pending(group) + " pending after " + timeout);
            }
            LockSupport.parkNanos(1_000_000);
        }
        return System.nanoTime();
    }

    /** The stream's keys. */
    List<String> keys() {
        return keys;
    }

    /** How many of the primaries serving slots hold at least one of the stream's keys, as "k of n". */
    String spread() {
        var partitions = connection.getPartitions();
        long primaries = partitions.stream()
                .filter(n -> n.is(RedisClusterNode.NodeFlag.UPSTREAM)
                        && !n.getSlots().isEmpty())
                .count();
        java.util.Set<String> nodes = new java.util.HashSet<>();
        for (String k : keys) {
            nodes.add(partitions.getPartitionBySlot(SlotHash.getSlot(k)).getNodeId());
        }
        return nodes.size() + " of " + primaries;
    }

    /**
     * {@code INFO commandstats} of every primary serving slots, summed: calls per command (lower
     * case). A fresh cluster per run, so the figures are the run's own.
     */
    Map<String, Long> commandCalls() {
        Map<String, Long> calls = new java.util.HashMap<>();
        for (RedisClusterNode n : connection.getPartitions()) {
            if (!n.is(RedisClusterNode.NodeFlag.UPSTREAM) || n.getSlots().isEmpty()) {
                continue;
            }
            RedisOps.addCommandCalls(
                    connection
                            .getConnection(n.getUri().getHost(), n.getUri().getPort())
                            .sync()
                            .info("commandstats"),
                    calls);
        }
        return calls;
    }

    /**
     * CPU time the cluster's redis-servers, primaries and replicas, have used so far, in
     * microseconds ({@code used_cpu_sys} plus {@code used_cpu_user} of each node's {@code INFO cpu}):
     * on one machine the drain's throughput is bound by the client's CPU and the servers' together.
     */
    long serverCpuMicros() {
        double seconds = 0;
        for (RedisClusterNode n : connection.getPartitions()) {
            seconds += RedisOps.cpuSeconds(connection
                    .getConnection(n.getUri().getHost(), n.getUri().getPort())
                    .sync()
                    .info("cpu"));
        }
        return Math.round(seconds * 1e6);
    }

    /** The process id of the primary serving partition {@code i} now ({@code INFO server}). */
    long primaryPid(int i) {
        RedisURI uri = connection
                .getPartitions()
                .getPartitionBySlot(SlotHash.getSlot(key(i)))
                .getUri();
        String info =
                connection.getConnection(uri.getHost(), uri.getPort()).sync().info("server");
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("process_id:")) {
                return Long.parseLong(line.substring("process_id:".length()).trim());
            }
        }
        throw new IllegalStateException("no process_id in INFO server of " + uri);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
