package dev.eventbus.runtime.consumer;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds Redis's words in a failure wherever Lettuce put them: in the chain of causes, in their
 * suppressed exceptions, or only quoted inside a message (a cluster client's "Cannot retrieve
 * cluster partitions" lists each seed's reply after its address). One search for every reader of
 * such failures: a refused login, a missing permission, a misconfiguration.
 *
 * <p>Stateless and thread-safe.
 */
final class FailureText {

    private FailureText() {}

    /**
     * The pattern's first group (else its whole match) in the chain of causes or their suppressed
     * exceptions, or {@code null}.
     */
    static String find(Throwable failure, Pattern pattern) {
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
