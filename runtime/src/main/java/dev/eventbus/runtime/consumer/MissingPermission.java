package dev.eventbus.runtime.consumer;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Finds Redis's {@code NOPERM} refusal anywhere in a failure, also where Lettuce only quotes it: a
 * cluster client whose user may not run {@code CLUSTER NODES} fails with "Cannot retrieve cluster
 * partitions", each seed's NOPERM reply listed in the message. The host answered; calling it
 * unreachable would send the operator to the network instead of the user's ACL.
 *
 * <p>Stateless and thread-safe.
 */
public final class MissingPermission {

    /** Redis 7 names a refused command, subcommand included: {@code ... to run the 'cluster|nodes' command}. */
    private static final Pattern COMMAND = Pattern.compile("NOPERM[^\\n]*?'([^'\\s]+)' command");

    private static final Pattern REPLY = Pattern.compile("NOPERM[^\\n;)]*");

    private MissingPermission() {}

    /**
     * What to tell the operator: the refused command and the ACL rule that allows it, or Redis's
     * reply when it names no command (a key); {@code null} when the failure is not a refusal.
     */
    public static String describe(Throwable failure) {
        String command = FailureText.find(failure, COMMAND);
        if (command != null) {
            String name = command.toLowerCase(Locale.ROOT);
            return "the Redis user may not run '" + name + "' (NOPERM); add +" + name
                    + " to its ACL (README, Security: the ACL rules Eventbus needs)";
        }
        String reply = FailureText.find(failure, REPLY);
        return reply == null
                ? null
                : "the Redis user lacks a permission (" + reply.strip()
                        + "); grant it with ACL SETUSER (README, Security: the ACL rules Eventbus needs)";
    }
}
