package dev.eventbus.runtime.consumer;

import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;

/**
 * The command timeouts of a cluster or Sentinel client: {@code redis.command-timeout} for every command but a
 * stream reader's read, which its output bounds ({@link NewEntriesOutput#bounded}) to its BLOCK plus
 * {@link #READ_MARGIN}. A primary that freezes (SIGSTOP, a cut that keeps the connections open)
 * tells the client nothing: the read sent to it only times out. With the command timeout (10 s) the
 * reader found the frozen node's promoted replica 18 s after the promotion (on Sentinel, never while
 * the node stayed frozen); bounded, it notices within seconds, asks for the cluster's topology or
 * the sentinels' primary ({@link TopologyChanges#commandTimedOut}) and reads from the new primary
 * once the topology names it ({@link SentinelFollower} moves a Sentinel client's connections).
 *
 * <p>A read that times out is safe to repeat: its entries, if Redis delivered them, are pending
 * here and read again first ({@code StreamReader}).
 */
final class ReadTimeouts extends TimeoutOptions.TimeoutSource {

    /** Beyond its BLOCK, how long a read may take: a reply of a few hundred entries takes milliseconds. */
    static final Duration READ_MARGIN = Duration.ofSeconds(2);

    private final long commandMillis;

    ReadTimeouts(Duration commandTimeout) {
        this.commandMillis = commandTimeout.toMillis();
    }

    @Override
    public long getTimeout(RedisCommand<?, ?, ?> command) {
        if (command != null && command.getOutput() instanceof NewEntriesOutput read && read.timeoutMillis() > 0) {
            return Math.min(read.timeoutMillis(), commandMillis);
        }
        return commandMillis;
    }
}
