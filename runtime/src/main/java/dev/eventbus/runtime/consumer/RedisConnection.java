package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.HostPort;
import dev.eventbus.runtime.internal.ReconnectReason;
import io.lettuce.core.ReadFrom;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One connection to Redis, whatever its shape: to one node (plain or found through Sentinel) or to
 * a Redis Cluster, where each command goes to the primary of its key's slot. Code that sends
 * commands sees only the commands both shapes share.
 *
 * <p>Thread-safe (Lettuce connections are).
 */
public record RedisConnection<K, V>(
        StatefulConnection<K, V> connection,
        RedisClusterCommands<K, V> sync,
        RedisClusterAsyncCommands<K, V> async,
        ReconnectReason reconnect)
        implements AutoCloseable {

    /** A connection whose client's reconnect attempts nobody watches. */
    public RedisConnection(
            StatefulConnection<K, V> connection,
            RedisClusterCommands<K, V> sync,
            RedisClusterAsyncCommands<K, V> async) {
        this(connection, sync, async, ReconnectReason.UNKNOWN);
    }

    /** @param reconnect why the connection's client fails to reconnect (see {@link ReconnectFailures}) */
    static <K, V> RedisConnection<K, V> of(StatefulRedisConnection<K, V> connection, ReconnectReason reconnect) {
        return new RedisConnection<>(connection, connection.sync(), connection.async(), reconnect);
    }

    /** Reads and writes go to primaries only: a replica may lag, and the runtime's reads are writes. */
    static <K, V> RedisConnection<K, V> of(StatefulRedisClusterConnection<K, V> connection, ReconnectReason reconnect) {
        connection.setReadFrom(ReadFrom.UPSTREAM);
        return new RedisConnection<>(connection, connection.sync(), connection.async(), reconnect);
    }

    /** Whether it is a Redis Cluster's connection (commands go to the primary of their key's slot). */
    public boolean isCluster() {
        return connection instanceof StatefulRedisClusterConnection<K, V>;
    }

    /**
     * The {@code host:port} ({@code [host]:port} for an IPv6 host) of every primary that serves
     * slots now, without connecting to any; empty on one node.
     */
    public List<String> primaryAddresses() {
        if (!(connection instanceof StatefulRedisClusterConnection<K, V> cluster)) {
            return List.of();
        }
        return primaryAddresses(cluster.getPartitions());
    }

    /** The {@code host:port} of every primary of this view that serves slots. */
    static List<String> primaryAddresses(Iterable<RedisClusterNode> view) {
        List<String> addresses = new ArrayList<>();
        for (RedisClusterNode node : view) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
                addresses.add(HostPort.of(node.getUri().getHost(), node.getUri().getPort()));
            }
        }
        return addresses;
    }

    /**
     * How many of a cluster's hash slots no primary in the client's view serves now (one that
     * failed and has no promoted replica yet, or was dropped from the view): their keys cannot be
     * read. 0 on one node.
     */
    public int slotsWithoutPrimary() {
        if (!(connection instanceof StatefulRedisClusterConnection<K, V> cluster)) {
            return 0;
        }
        return slotsWithoutPrimary(cluster.getPartitions());
    }

    /** The slots no primary of this view serves: a failed one (FAIL) or one without an address (NOADDR) serves none. */
    static int slotsWithoutPrimary(Iterable<RedisClusterNode> view) {
        BitSet served = new BitSet(SlotHash.SLOT_COUNT);
        for (RedisClusterNode node : view) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM)
                    && !node.is(RedisClusterNode.NodeFlag.FAIL)
                    && !node.is(RedisClusterNode.NodeFlag.NOADDR)) {
                node.getSlots().forEach(served::set);
            }
        }
        return SlotHash.SLOT_COUNT - served.cardinality();
    }

    /** Commands to the primary at {@code host:port} of a cluster; Lettuce's exception when it fails. */
    public RedisClusterCommands<K, V> primary(String address) {
        if (!(connection instanceof StatefulRedisClusterConnection<K, V> cluster)) {
            return sync;
        }
        return cluster.getConnection(HostPort.host(address), HostPort.port(address))
                .sync();
    }

    /**
     * Commands to the primary at {@code host:port} of a cluster, once its connection is made,
     * without waiting for it; on one node, that node's.
     */
    public CompletableFuture<RedisClusterAsyncCommands<K, V>> primaryAsync(String address) {
        if (!(connection instanceof StatefulRedisClusterConnection<K, V> cluster)) {
            return CompletableFuture.completedFuture(async);
        }
        return cluster.getConnectionAsync(HostPort.host(address), HostPort.port(address))
                .thenApply(StatefulRedisConnection::async);
    }

    @Override
    public void close() {
        connection.close();
    }
}
