package dev.eventbus.runtime.ops;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which dead letters an operation applies to; every criterion given must hold.
 *
 * @param ids exact dead-letter ids (empty = any)
 * @param reason the {@code eventbus-reason}, e.g. {@code handler-error} (null = any)
 * @param since dead-lettered at or after (null = from the start)
 * @param until dead-lettered at or before (null = up to now)
 * @param subject the event's {@code subject}, exactly (null = any)
 * @param error a piece of the error class or message, any case (null = any)
 * @param sourceStream the stream the event came from (null = any)
 */
public record DeadLetterFilter(
        Set<String> ids,
        String reason,
        TimeOrId since,
        TimeOrId until,
        String subject,
        String error,
        String sourceStream) {

    public static final DeadLetterFilter ALL = new DeadLetterFilter(Set.of(), null, null, null, null, null, null);

    public DeadLetterFilter {
        ids = Set.copyOf(ids);
    }

    /** Whether nothing narrows the selection. */
    public boolean selectsAll() {
        return ids.isEmpty()
                && reason == null
                && since == null
                && until == null
                && subject == null
                && error == null
                && sourceStream == null;
    }

    public boolean matches(DeadLetterEntry e) {
        return (ids.isEmpty() || ids.contains(e.id()))
                && (reason == null || reason.equals(e.reason()))
                && (subject == null || subject.equals(e.subject()))
                && (sourceStream == null || sourceStream.equals(e.sourceStream()))
                && (error == null || e.error().toLowerCase(Locale.ROOT).contains(error.toLowerCase(Locale.ROOT)));
    }

    /** First id of the range to read. */
    String startId() {
        return since == null ? "-" : since.startId();
    }

    /** Last id of the range to read. */
    String endId() {
        return until == null ? "+" : until.endId();
    }

    /** For the audit log: the criteria given. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!ids.isEmpty()) {
            m.put("ids", List.copyOf(ids));
        }
        put(m, "reason", reason);
        put(m, "since", since == null ? null : since.text());
        put(m, "until", until == null ? null : until.text());
        put(m, "subject", subject);
        put(m, "error", error);
        put(m, "sourceStream", sourceStream);
        return m;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) {
            m.put(k, v);
        }
    }
}
