package dev.eventbus.runtime.stream;

import dev.eventbus.runtime.internal.Loop;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import java.time.Duration;

/**
 * Commands cut because the client closed their connection, which is not a failure of Redis: on a
 * cluster the client closes its connections to a node that left its view (a failed primary, once
 * the topology read that shows its promoted replica came in), and the commands still waiting on
 * them end with "Connection closed". Sent again, the same command goes to the node that serves the
 * slot now; so a round cut this way runs once more at once before anything counts as failing.
 * Reported as a failure first, each loop with a command waiting on a frozen primary showed its
 * subscription failing for one back-off after events flowed again (seen in ClusterFrozenPrimaryIT
 * under a full build's load). The connection to that node may still be being made then, and the
 * client rejects commands to it meanwhile ("Currently not connected"): right after a cut, such a
 * rejection is waited out for up to {@link #CONNECT_WAIT} (seen too: the retry at once was
 * rejected, and counted). A second cut in a row, or a rejection after that, is a failure like any
 * other.
 */
public final class CutCommands {

    /** How long, after a cut, the rounds wait out the client's rejections while it connects. */
    public static final Duration CONNECT_WAIT = Duration.ofSeconds(1);

    private static final long PAUSE_MILLIS = 20;

    private CutCommands() {}

    /**
     * Whether {@code t}, or a cause of it, is a command cut by the client's own close of its
     * connection (Lettuce's endpoint, closed, ends what it still holds with "Connection closed"; a
     * connection the server dropped ends them with "Connection disconnected" or reconnects).
     */
    public static boolean isCut(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RedisCommandExecutionException) {
                return false; // Redis answered
            }
            if (c.getClass() == RedisException.class && "Connection closed".equals(c.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code t}, or a cause of it, is the client refusing a command while the connection it
     * needs is being made (Lettuce's REJECT_COMMANDS: "Currently not connected").
     */
    public static boolean isConnecting(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RedisCommandExecutionException) {
                return false;
            }
            if (c.getClass() == RedisException.class
                    && String.valueOf(c.getMessage()).startsWith("Currently not connected")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a round that failed with {@code t}, {@code sinceCutNanos} after a cut, waits a little
     * and runs again rather than failing: the client is still connecting to the slot's new node.
     */
    public static boolean waitOut(Throwable t, long sinceCutNanos) throws InterruptedException {
        if (!isConnecting(t) || sinceCutNanos > CONNECT_WAIT.toNanos()) {
            return false;
        }
        Thread.sleep(PAUSE_MILLIS);
        return true;
    }

    /** {@code round}, run again at once when it was cut ({@link #isCut}), while the client connects. */
    public static Loop.Task retriedOnceWhenCut(Loop.Task round) {
        return () -> {
            try {
                round.run();
            } catch (Exception e) {
                if (!isCut(e)) {
                    throw e;
                }
                long cut = System.nanoTime();
                while (true) {
                    try {
                        round.run();
                        return;
                    } catch (Exception again) {
                        if (!waitOut(again, System.nanoTime() - cut)) {
                            throw again;
                        }
                    }
                }
            }
        };
    }
}
