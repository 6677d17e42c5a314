package dev.eventbus.runtime.consumer;

import java.util.List;

/**
 * Tells a refused login from network trouble: Redis answers {@code WRONGPASS}, {@code NOAUTH},
 * {@code NOPERM} (or, before 6.0, {@code ERR invalid password}) when the URI's user or password is
 * wrong, and waiting for the network to come back will not fix that; the operator has to.
 *
 * <p>Stateless and thread-safe.
 */
final class RedisAuthFailure {

    private static final List<String> REPLIES = List.of(
            "WRONGPASS",
            "NOAUTH",
            "NOPERM",
            "ERR invalid password",
            "ERR AUTH <password> called without any password configured");

    private RedisAuthFailure() {}

    /** Redis's refusal anywhere in the chain of causes, or {@code null} when it is not one. */
    static String refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null) {
                for (String reply : REPLIES) {
                    if (message.startsWith(reply)) {
                        return message;
                    }
                }
            }
        }
        return null;
    }
}
