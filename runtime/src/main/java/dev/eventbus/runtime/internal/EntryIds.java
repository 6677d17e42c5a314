package dev.eventbus.runtime.internal;

import java.time.Instant;
import java.util.regex.Pattern;

/** Stream entry ids ({@code <millis>-<seq>}) and the times in them: for the runtime and the operator tools. */
public final class EntryIds {

    private static final Pattern ID = Pattern.compile("\\d+(-\\d+)?");

    private EntryIds() {}

    /** Whether the text is an entry id (or its millisecond part alone). */
    public static boolean isId(String text) {
        return ID.matcher(text).matches();
    }

    /**
     * The milliseconds part of an id, 0 when it has none. Parsed in place: it runs for every
     * event handled (event age), so it makes no substring.
     */
    public static long millis(String id) {
        long millis = 0;
        int n = id.length();
        for (int i = 0; i < n; i++) {
            char c = id.charAt(i);
            if (c == '-') {
                return i == 0 ? 0L : millis;
            }
            if (c < '0' || c > '9' || i >= 18) {
                return 0L;
            }
            millis = millis * 10 + (c - '0');
        }
        return millis;
    }

    /** When Redis appended the entry. */
    public static Instant time(String id) {
        return Instant.ofEpochMilli(millis(id));
    }

    /** The lowest id at or after an instant. */
    public static String first(Instant at) {
        return at.toEpochMilli() + "-0";
    }

    /** The highest id at or before an instant (its whole millisecond). */
    public static String last(Instant at) {
        return at.toEpochMilli() + "-" + Long.toUnsignedString(-1L);
    }
}
