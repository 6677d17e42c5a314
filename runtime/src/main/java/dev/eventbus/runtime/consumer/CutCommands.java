package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Loop;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;

/**
 * Commands cut because the client closed their connection, which is not a failure of Redis: on a
 * cluster the client closes its connections to a node that left its view (a failed primary, once
 * the topology read that shows its promoted replica came in), and the commands still waiting on
 * them end with "Connection closed". Sent again, the same command goes to the node that serves the
 * slot now; so a round cut this way runs once more at once before anything counts as failing.
 * Reported as a failure first, each loop with a command waiting on a frozen primary showed its
 * subscription failing for one back-off after events flowed again (seen in ClusterFrozenPrimaryIT
 * under a full build's load). Once only: a second cut in a row is a failure like any other.
 */
final class CutCommands {

    private CutCommands() {}

    /**
     * Whether {@code t}, or a cause of it, is a command cut by the client's own close of its
     * connection (Lettuce's endpoint, closed, ends what it still holds with "Connection closed"; a
     * connection the server dropped ends them with "Connection disconnected" or reconnects).
     */
    static boolean isCut(Throwable t) {
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

    /** {@code round}, run once more at once when it was cut ({@link #isCut}). */
    static Loop.Task retriedOnceWhenCut(Loop.Task round) {
        return () -> {
            try {
                round.run();
            } catch (Exception e) {
                if (!isCut(e)) {
                    throw e;
                }
                round.run();
            }
        };
    }
}
