package dev.eventbus.runtime.ownership;

import dev.eventbus.runtime.internal.Bytes;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What each instance runs, the second half of its heartbeat: the hash {@value #KEY}, one field per
 * instance, its value the server's time of the statement and the {@link RunLayout}s of its ordered
 * handlers, one per line. A key apart from {@link InstanceRegistry#KEY} (whose members previous
 * versions read as names), so an instance of a previous version simply has no field and counts as
 * running every layout. A statement older than the lease ttl is not known any more (an instance
 * that went back to a previous version under the same name must not keep its last statement).
 * Thread-safe (it holds no state of its own).
 */
public final class InstanceLayouts {

    /** The key of the statements. */
    public static final String KEY = "eventbus:instance-layouts";

    /** A statement this old is deleted. */
    private static final Duration FORGET_AFTER = Duration.ofHours(1);

    private final RedisClusterCommands<byte[], byte[]> redis;
    private final Duration validFor;

    /** @param validFor how young a statement must be to count ({@code ownership.lease-ttl}) */
    public InstanceLayouts(RedisClusterCommands<byte[], byte[]> redis, Duration validFor) {
        this.redis = redis;
        this.validFor = validFor;
    }

    /**
     * Records that {@code id} runs {@code layouts} (nothing when id is empty: only reads) and
     * returns every instance's known layouts.
     */
    Map<String, Set<RunLayout>> state(String id, Collection<RunLayout> layouts) {
        List<Object> reply = redis.eval(
                LeaseScripts.LAYOUTS,
                ScriptOutputType.MULTI,
                new byte[][] {Bytes.utf8(KEY)},
                Bytes.utf8(id),
                Bytes.utf8(layouts.stream().map(RunLayout::line).sorted().collect(Collectors.joining("\n"))),
                Bytes.utf8(Long.toString(FORGET_AFTER.toMillis())));
        long now = Long.parseLong(text(reply.get(0)));
        Map<String, Set<RunLayout>> runs = new HashMap<>();
        for (int i = 1; i + 1 < reply.size(); i += 2) {
            String[] lines = text(reply.get(i + 1)).split("\n", -1);
            long at = Long.parseLong(lines[0]);
            if (now - at > validFor.toMillis()) {
                continue;
            }
            Set<RunLayout> known = new HashSet<>();
            for (int l = 1; l < lines.length; l++) {
                RunLayout layout = lines[l].isEmpty() ? null : RunLayout.parse(lines[l]);
                if (layout != null) {
                    known.add(layout);
                }
            }
            runs.put(text(reply.get(i)), Set.copyOf(known));
        }
        return runs;
    }

    /** Every instance's known layouts, read now. */
    public Map<String, Set<RunLayout>> read() {
        return state("", List.of());
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
