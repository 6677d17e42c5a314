package dev.eventbus.runtime.consumer;

import java.util.regex.Pattern;

/**
 * Tells a refused login from network trouble: Redis answers {@code WRONGPASS}, {@code NOAUTH},
 * {@code NOPERM} (or, before 6.0, {@code ERR invalid password}) when the URI's user or password is
 * wrong, and waiting for the network to come back will not fix that; the operator has to.
 *
 * <p>Stateless and thread-safe.
 */
final class RedisAuthFailure {

    /**
     * A reply at the start of a message's line or after a ": " (where a cluster client quotes each
     * seed's: "... [node]: Unable to connect to [...]: WRONGPASS ..."), to the line's end.
     */
    private static final Pattern REPLY = Pattern.compile("(?m)(?:^|: )((?:WRONGPASS|NOAUTH|NOPERM|ERR invalid "
            + "password|ERR AUTH <password> called without any password configured)[^\\n]*)");

    private RedisAuthFailure() {}

    /** Redis's refusal anywhere in the failure ({@link FailureText}), or {@code null} when it is not one. */
    static String refusal(Throwable failure) {
        String reply = FailureText.find(failure, REPLY);
        return reply == null ? null : reply.strip();
    }
}
