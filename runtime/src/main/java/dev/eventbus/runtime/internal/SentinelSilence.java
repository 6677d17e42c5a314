package dev.eventbus.runtime.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says which sentinels do not answer, and why. Lettuce said it only in WARN lines of its own, one
 * per sentinel for every connection made (found from outside: 78 lines in 20 s with all three down,
 * 4 at every start with one down; not logged, see logback.xml), and in the failure of a connection
 * that found none, whose innermost cause gives one sentinel's reason and names none. Internal to
 * the runtime.
 */
public final class SentinelSilence {

    private SentinelSilence() {}

    /** Lettuce's failure of a connection that no sentinel answered. */
    private static final String NONE_ANSWERED = "Cannot connect to a Redis Sentinel";

    /** A sentinel's URI in a message, {@code host:port} in group 1 (a password, if any, left out). */
    private static final Pattern URI = Pattern.compile("rediss?://(?:[^@/?\\s,\\]]*@)?([^/?\\s,\\]]+)");

    /**
     * What a failure says of the sentinels, when it is Lettuce's "no sentinel answered" one: {@code
     * no sentinel answers: 10.0.0.5:26379, 10.0.0.6:26379 (the last: ConnectException: Connection
     * refused)}. Lettuce names every sentinel it tried in the message and gives the last one's
     * failure as the cause; the others' reasons, when it adds them (suppressed), group the sentinels
     * by reason ({@link #text}).
     */
    static Optional<String> of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() == null || !t.getMessage().startsWith(NONE_ANSWERED)) {
                continue;
            }
            List<String> named = new ArrayList<>();
            Matcher m = URI.matcher(t.getMessage());
            while (m.find()) {
                named.add(m.group(1));
            }
            List<Throwable> each = new ArrayList<>(Arrays.asList(t.getSuppressed()));
            Throwable last = t.getCause() != null && t.getCause() != t ? t.getCause() : null;
            if (last != null) {
                each.add(last);
            }
            Map<String, String> failures = new LinkedHashMap<>();
            for (Throwable one : each) {
                Matcher which = URI.matcher(String.valueOf(one.getMessage()));
                if (which.find()) {
                    failures.put(which.group(1), Errors.rootMessage(one));
                }
            }
            if (!failures.isEmpty() && failures.keySet().containsAll(named)) {
                return Optional.of(text(failures, failures.size()));
            }
            return Optional.of("no sentinel answers"
                    + (named.isEmpty() ? "" : ": " + String.join(", ", named))
                    + (last == null ? "" : " (the last: " + Errors.rootMessage(last) + ")"));
        }
        return Optional.empty();
    }

    /**
     * The sentinels that did not answer, grouped by reason: {@code no sentinel answers:
     * ConnectException: Connection refused (10.0.0.5:26379, 10.0.0.6:26379)} when none of them did,
     * else {@code 1 of 3 sentinels does not answer: ConnectException: Connection refused
     * (10.0.0.5:26379)}; empty when all did.
     *
     * @param failures each silent sentinel's {@code host:port} and why, in the URI's order
     * @param sentinels how many were asked
     */
    public static String text(Map<String, String> failures, int sentinels) {
        if (failures.isEmpty()) {
            return "";
        }
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        failures.forEach((sentinel, why) ->
                byReason.computeIfAbsent(why, w -> new ArrayList<>()).add(sentinel));
        List<String> groups = new ArrayList<>();
        byReason.forEach((why, which) -> groups.add(why + " (" + String.join(", ", which) + ")"));
        String reasons = String.join("; ", groups);
        if (failures.size() >= sentinels) {
            return "no sentinel answers: " + reasons;
        }
        return failures.size() + " of " + sentinels + " sentinels " + (failures.size() == 1 ? "does" : "do")
                + " not answer: " + reasons;
    }
}
