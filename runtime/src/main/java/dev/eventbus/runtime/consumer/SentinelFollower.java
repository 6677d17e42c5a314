package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.HostPort;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a Sentinel client's connections off a primary that stopped answering while they stay open
 * (a frozen process, a network cut that keeps the connections up). Lettuce asks the sentinels for
 * the primary only when it (re)connects, and nothing breaks such a connection: commands only time
 * out, so the runtime stayed on the old node after the sentinels had promoted its replica, for as
 * long as the node stayed frozen.
 *
 * <p>So when a command times out ({@link TopologyChanges#commandTimedOut}) this asks the sentinels
 * which node is the primary now, at most once per {@link #SPACING}, on a thread of its own; when they
 * name another node than the one the connections are on, it drops those connections, and Lettuce
 * reconnects them, asking the sentinels, to the new primary. While the sentinels still name the old
 * node (they have not decided yet) nothing is dropped: a reconnect would only go back to it.
 *
 * <p>Thread-safe.
 */
final class SentinelFollower {

    private static final Logger LOG = LoggerFactory.getLogger(SentinelFollower.class);

    /** At most one question to the sentinels per this (a reader asks again every second while it waits). */
    static final Duration SPACING = Duration.ofSeconds(1);

    /** How long a sentinel may take to answer before the next question opens a new connection. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);

    private final Callable<SocketAddress> primaryNamed;
    private final String masterName;
    private final Supplier<Optional<String>> connectedTo;
    private final Runnable moveConnections;
    private final LongSupplier nanoTime;
    private final boolean logs;
    private final Executor asker;
    private final AtomicBoolean asking = new AtomicBoolean();
    /** When the sentinels were last asked; one spacing back at first, so the first timeout asks. */
    private volatile long lastAsk;

    /**
     * @param primaryNamed asks the sentinels which node is the primary (may block; may throw)
     * @param connectedTo the {@code host:port} the connections are on now (empty before the first)
     * @param moveConnections drops every open connection of the client; each reconnects by itself
     * @param asker runs each question, one at a time (not the caller's thread: it must not block)
     * @param logs whether a move is logged as a warning (the readers' client), not only at debug
     */
    SentinelFollower(
            Callable<SocketAddress> primaryNamed,
            String masterName,
            Supplier<Optional<String>> connectedTo,
            Runnable moveConnections,
            Executor asker,
            LongSupplier nanoTime,
            boolean logs) {
        this.primaryNamed = primaryNamed;
        this.masterName = masterName;
        this.connectedTo = connectedTo;
        this.moveConnections = moveConnections;
        this.asker = asker;
        this.nanoTime = nanoTime;
        this.lastAsk = nanoTime.getAsLong() - SPACING.toNanos();
        this.logs = logs;
    }

    /**
     * Asks the sentinels of {@code uri} through a connection of {@code client}'s, kept open between
     * questions (on the asker thread only) and made again after a question that failed.
     */
    static Callable<SocketAddress> askingSentinels(RedisClient client, RedisURI uri) {
        return new Callable<>() {
            private StatefulRedisSentinelConnection<String, String> sentinel;

            @Override
            public SocketAddress call() throws Exception {
                try {
                    if (sentinel == null) {
                        sentinel = client.connectSentinel(uri);
                    }
                    return sentinel.async()
                            .getMasterAddrByName(uri.getSentinelMasterId())
                            .get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    if (sentinel != null) {
                        sentinel.closeAsync(); // perhaps a sentinel that froze too: the next question connects again
                        sentinel = null;
                    }
                    throw e;
                }
            }
        };
    }

    /** A command timed out: asks the sentinels, unless it did within {@link #SPACING}. Never blocks. */
    void commandTimedOut() {
        long now = nanoTime.getAsLong();
        if (now - lastAsk < SPACING.toNanos() || !asking.compareAndSet(false, true)) {
            return;
        }
        lastAsk = now;
        try {
            asker.execute(this::ask);
        } catch (RejectedExecutionException closed) {
            asking.set(false);
        }
    }

    private void ask() {
        try {
            String named = address(primaryNamed.call());
            Optional<String> current = connectedTo.get();
            if (current.isPresent() && !current.get().equals(named)) {
                String line = "Redis: a command to {} timed out and the sentinels name {} as the primary of '{}': "
                        + "moving the connections there";
                if (logs) {
                    LOG.warn(line, current.get(), named, masterName);
                } else {
                    LOG.debug(line, current.get(), named, masterName);
                }
                moveConnections.run();
            }
        } catch (Exception e) {
            // No sentinel answered in time: the next timeout asks again.
            LOG.debug("Redis: could not ask the sentinels for the primary: {}", Errors.describe(e));
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            asking.set(false);
        }
    }

    private static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return HostPort.of(inet.getHostString(), inet.getPort());
        }
        throw new IllegalStateException("the sentinels name no primary (" + address + ")");
    }
}
