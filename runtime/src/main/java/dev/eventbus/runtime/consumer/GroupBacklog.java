package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Bytes;
import dev.eventbus.runtime.internal.Errors;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What one consumer group still owes on one stream key: the entries after its last delivered one
 * ({@code undelivered}) and those delivered but not acknowledged ({@code pending}). A count per
 * group: two handlers on a partition each owe its entries, so a sum over groups counts deliveries,
 * not entries (found from outside: 5 events on a layout read by two handlers were told as "10
 * entries"). Read by the drain gate ({@link LayoutDrain}), the start-up check for stranded layouts
 * and {@code status}.
 *
 * @param undelivered the group's lag when Redis tells it, else the entries after its last delivered
 *     one, counted up to the limit asked for
 */
public record GroupBacklog(String group, long undelivered, long pending) {

    /** Entries the group has yet to handle: undelivered plus pending. */
    public long owed() {
        return undelivered + pending;
    }

    /**
     * Every group's backlog on {@code key}, or null when there is no such key (nothing is owed on
     * it).
     *
     * @param countUpTo how many undelivered entries are counted, at most, when Redis does not tell a
     *     group's lag (1 answers only whether any is left)
     * @throws RedisCommandExecutionException when Redis refuses the reading (NOPERM)
     */
    public static List<GroupBacklog> of(RedisClusterCommands<byte[], byte[]> redis, String key, int countUpTo) {
        List<Object> groups;
        try {
            groups = redis.xinfoGroups(Bytes.utf8(key));
        } catch (RedisCommandExecutionException e) {
            if (Errors.isPermissionDenied(e)) {
                throw e;
            }
            return null; // no such key (gone meanwhile, or never written)
        }
        List<GroupBacklog> backlogs = new ArrayList<>();
        for (Object g : groups) {
            List<?> kv = (List<?>) g;
            String name = "";
            long pending = 0;
            Long lag = null;
            String last = "0-0";
            for (int i = 0; i + 1 < kv.size(); i += 2) {
                Object v = kv.get(i + 1);
                switch (text(kv.get(i))) {
                    case "name" -> name = text(v);
                    case "pending" -> pending = ((Number) v).longValue();
                    case "lag" -> lag = v instanceof Number n ? n.longValue() : null;
                    case "last-delivered-id" -> last = text(v);
                    default -> {}
                }
            }
            if (lag == null) {
                lag = (long) redis.xrange(
                                Bytes.utf8(key),
                                Range.from(Range.Boundary.excluding(last), Range.Boundary.unbounded()),
                                Limit.from(countUpTo))
                        .size();
            }
            backlogs.add(new GroupBacklog(name, lag, pending));
        }
        return backlogs;
    }

    /**
     * What each group owes, e.g. {@code 5 for event-logger, 5 for mark-order-paid}: sorted by group,
     * those owing nothing left out.
     */
    public static String perGroup(Map<String, Long> owed) {
        return new TreeMap<>(owed)
                .entrySet().stream()
                        .filter(e -> e.getValue() > 0)
                        .map(e -> e.getValue() + " for " + e.getKey())
                        .collect(Collectors.joining(", "));
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
