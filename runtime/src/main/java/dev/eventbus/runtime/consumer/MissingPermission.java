package dev.eventbus.runtime.consumer;

import java.util.Locale;
import java.util.regex.Matcher;
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
        String command = find(failure, COMMAND);
        if (command != null) {
            String name = command.toLowerCase(Locale.ROOT);
            return "the Redis user may not run '" + name + "' (NOPERM); add +" + name
                    + " to its ACL (README, Security: the ACL rules Eventbus needs)";
        }
        String reply = find(failure, REPLY);
        return reply == null
                ? null
                : "the Redis user lacks a permission (" + reply.strip()
                        + "); grant it with ACL SETUSER (README, Security: the ACL rules Eventbus needs)";
    }

    /**
     * The pattern's first group (else its whole match) in the chain of causes or their suppressed
     * exceptions, where Lettuce puts each node's reply.
     */
    private static String find(Throwable failure, Pattern pattern) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String found = find(t.getMessage(), pattern);
            for (int i = 0; found == null && i < t.getSuppressed().length; i++) {
                found = find(t.getSuppressed()[i], pattern);
            }
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String find(String message, Pattern pattern) {
        if (message == null) {
            return null;
        }
        Matcher m = pattern.matcher(message);
        return !m.find() ? null : m.groupCount() > 0 ? m.group(1) : m.group();
    }
}
