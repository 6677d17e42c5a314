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

    /**
     * Redis's refusal anywhere in the chain of causes or their suppressed exceptions, also where
     * Lettuce only quotes it (a cluster client: "Cannot retrieve cluster partitions ... [node]:
     * Unable to connect to [...]: WRONGPASS ..."), or {@code null} when it is not one.
     */
    static String refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String found = quoted(t.getMessage());
            for (int i = 0; found == null && i < t.getSuppressed().length; i++) {
                found = refusal(t.getSuppressed()[i]);
            }
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** A reply at the start of the message or after a ": " (where Lettuce quotes one), to its line's end. */
    private static String quoted(String message) {
        if (message == null) {
            return null;
        }
        for (String line : message.split("\n")) {
            for (String reply : REPLIES) {
                if (line.startsWith(reply)) {
                    return line.strip();
                }
                int at = line.indexOf(": " + reply);
                if (at >= 0) {
                    return line.substring(at + 2).strip();
                }
            }
        }
        return null;
    }
}
