package dev.eventbus.runtime.ops;

import java.time.Instant;
import java.util.regex.Pattern;

/** Stream entry ids ({@code <millis>-<seq>}) and the times in them. */
public final class EntryIds {

    private static final Pattern ID = Pattern.compile("\\d+(-\\d+)?");

    private EntryIds() {}

    /** Whether the text is an entry id (or its millisecond part alone). */
    public static boolean isId(String text) {
        return ID.matcher(text).matches();
    }

    /** The milliseconds part of an id, 0 when it has none. */
    public static long millis(String id) {
        int dash = id.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        } catch (NumberFormatException e) {
            return 0L;
        }
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
