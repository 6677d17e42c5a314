package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.internal.Loop;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate between a partitioned stream's old layouts (earlier partition counts, still draining)
 * and its current one, for one handler: the handler's subscriptions on the current layout read
 * nothing until its groups on every old partition are drained (nothing after the last delivered
 * entry, nothing pending), and some producer writes to the current layout already. So each
 * subject's events from before the change are all handled before any from after it, whichever
 * partition either lands in. Once open, the gate stays open (the old layouts are then read as well,
 * for events a producer still on the old count adds).
 *
 * <p>Every instance decides from Redis alone, so all of them open at the same drained state.
 * Thread-safe: its loop checks, the read loops read {@link #open()}.
 */
public final class LayoutDrain implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LayoutDrain.class);

    /** Why a subscription on the current layout reads nothing while its gate is shut (log and status). */
    public static final String PAUSED_BECAUSE =
            "waits until the handler's groups on the stream's old partition layout drained "
                    + "(eventbus.streams.<name>.draining)";

    private final String group;
    private final String stream;
    private final List<String> oldKeys;
    private final List<String> newKeys;
    private final RedisClusterCommands<byte[], byte[]> redis;
    private final Loop loop;
    private volatile boolean open;
    private volatile boolean oldDrained;

    /**
     * @param group the handler's consumer group
     * @param stream the logical stream, for logs
     * @param oldKeys the partitions of the layouts still draining
     * @param newKeys the partitions of the current layout
     */
    public LayoutDrain(
            String group,
            String stream,
            List<String> oldKeys,
            List<String> newKeys,
            RedisClusterCommands<byte[], byte[]> redis,
            Duration checkEvery) {
        this.group = group;
        this.stream = stream;
        this.oldKeys = List.copyOf(oldKeys);
        this.newKeys = List.copyOf(newKeys);
        this.redis = redis;
        this.loop = Loop.every("eventbus-drain-" + group + "@" + stream, checkEvery, LOG, this::check);
    }

    public void start() {
        loop.start();
    }

    /** The handler's consumer group. */
    public String group() {
        return group;
    }

    /** Whether the handler may read the current layout. */
    public boolean open() {
        return open;
    }

    /** Whether the handler's groups on the old layouts were drained at the last check (or the gate opened). */
    public boolean oldDrained() {
        return oldDrained;
    }

    /** Whether {@code key} is a partition of the current layout, which this gate holds. */
    public boolean holds(String key) {
        return newKeys.contains(key);
    }

    private void check() {
        if (open) {
            oldDrained = oldKeys.stream().allMatch(this::drained);
            return;
        }
        boolean drained = oldKeys.stream().allMatch(this::drained);
        oldDrained = drained;
        if (drained && newKeys.stream().anyMatch(k -> redis.xlen(Bytes.utf8(k)) > 0)) {
            open = true;
            LOG.info(
                    "handler {}: the old layout(s) of stream {} drained; reading the current layout now. Once "
                            + "every producer writes the current count, remove the old count(s) from "
                            + "eventbus.streams.{}.draining",
                    group,
                    stream,
                    stream);
        }
    }

    /** Nothing left for the group on this key: nothing after its last delivered entry, nothing pending. */
    private boolean drained(String key) {
        List<GroupBacklog> groups = GroupBacklog.of(redis, key, 1);
        if (groups == null) {
            return true; // no such key: nothing to drain
        }
        for (GroupBacklog backlog : groups) {
            if (group.equals(backlog.group())) {
                return backlog.owed() == 0;
            }
        }
        return false; // the group is not there yet: its subscription creates it, then drains it
    }

    @Override
    public void close() {
        loop.stop();
    }
}
