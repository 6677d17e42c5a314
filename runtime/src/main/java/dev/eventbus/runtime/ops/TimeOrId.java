package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.internal.EntryIds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A point in a stream given by an operator: an entry id ({@code 1718000000000-0}, or its
 * millisecond part alone), a time ({@code 2025-06-10T08:00:00Z}, {@code 2025-06-10T10:00} in the
 * local zone, {@code 2025-06-10} = that day's start), a time ago ({@code 90s}, {@code 15m},
 * {@code 2h}, {@code 7d}), or {@code now}.
 *
 * @param id set when the operator gave an id
 * @param time set when the operator gave a time
 */
public record TimeOrId(String text, String id, Instant time) {

    private static final Pattern AGO = Pattern.compile("-?(\\d+)(ms|s|m|h|d)");

    /** @throws IllegalArgumentException naming the accepted forms */
    public static TimeOrId parse(String text, Clock clock) {
        String t = text.trim();
        if (t.equalsIgnoreCase("now")) {
            return new TimeOrId(text, null, clock.instant());
        }
        if (EntryIds.isId(t)) {
            return new TimeOrId(text, t, null);
        }
        Matcher ago = AGO.matcher(t.toLowerCase(Locale.ROOT));
        if (ago.matches()) {
            long n = Long.parseLong(ago.group(1));
            Duration d = switch (ago.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return new TimeOrId(text, null, clock.instant().minus(d));
        }
        try {
            return new TimeOrId(text, null, OffsetDateTime.parse(t).toInstant());
        } catch (DateTimeParseException ignored) {
            // next form
        }
        ZoneId zone = clock.getZone();
        try {
            return new TimeOrId(text, null, LocalDateTime.parse(t).atZone(zone).toInstant());
        } catch (DateTimeParseException ignored) {
            // next form
        }
        try {
            return new TimeOrId(
                    text, null, LocalDate.parse(t).atStartOfDay(zone).toInstant());
        } catch (DateTimeParseException ignored) {
            // next form
        }
        throw new IllegalArgumentException("'" + text + "' is neither an entry id (1718000000000-0), a time "
                + "(2025-06-10T08:00:00Z, 2025-06-10T10:00, 2025-06-10), a time ago (90s, 15m, 2h, 7d) nor 'now'");
    }

    /** As the start of an inclusive range. */
    public String startId() {
        if (id != null) {
            return id.indexOf('-') < 0 ? id + "-0" : id;
        }
        return EntryIds.first(time);
    }

    /** As the end of an inclusive range. */
    public String endId() {
        if (id != null) {
            return id.indexOf('-') < 0 ? EntryIds.last(Instant.ofEpochMilli(Long.parseLong(id))) : id;
        }
        return EntryIds.last(time);
    }

    /** Whether this point, as a range's start, lies after {@code end} as the range's end: the range is empty. */
    public boolean isAfter(TimeOrId end) {
        long[] a = parts(startId());
        long[] b = parts(end.endId());
        int byMillis = Long.compareUnsigned(a[0], b[0]);
        return byMillis > 0 || byMillis == 0 && Long.compareUnsigned(a[1], b[1]) > 0;
    }

    private static long[] parts(String id) {
        int dash = id.indexOf('-');
        return new long[] {Long.parseUnsignedLong(id.substring(0, dash)), Long.parseUnsignedLong(id.substring(dash + 1))
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
