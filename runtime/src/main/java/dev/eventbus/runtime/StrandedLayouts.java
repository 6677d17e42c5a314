package dev.eventbus.runtime;

import dev.eventbus.producer.PartitionedStream;
import dev.eventbus.runtime.consumer.GroupBacklog;
import dev.eventbus.runtime.consumer.RedisConnection;
import dev.eventbus.runtime.internal.Errors;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A start-up check, once per partitioned stream: partitions of a layout that is neither the
 * configured count nor listed under {@code draining}, whose consumer groups still have entries
 * undelivered or pending, are read by no instance of this configuration. Changing N without the
 * {@code draining} step left them so, without a word (found from outside: 20 events on the 32
 * partitions of wallet after a restart with 8). Warned about here, with the fix; nothing is changed.
 */
final class StrandedLayouts {

    private static final Logger LOG = LoggerFactory.getLogger(StrandedLayouts.class);

    /** A group's undelivered entries are counted up to this many on a key when Redis does not tell its lag. */
    private static final int COUNT_LIMIT = 10_000;

    private StrandedLayouts() {}

    /**
     * Logs one WARN per stranded layout.
     *
     * @param streams the partitioned streams, by logical name, with their configured layout
     * @param draining per logical stream, its layouts listed under {@code draining}
     */
    static void check(
            RedisConnection<byte[], byte[]> redis,
            Map<String, PartitionedStream> streams,
            Map<String, List<PartitionedStream>> draining) {
        streams.forEach((stream, layout) -> {
            try {
                check(redis, stream, layout.partitions(), draining.getOrDefault(stream, List.of()));
            } catch (RuntimeException e) {
                LOG.warn(
                        "stream {}: cannot look for partitions of other counts left unread ({})",
                        stream,
                        Errors.describe(e));
            }
        });
    }

    private static void check(
            RedisConnection<byte[], byte[]> redis, String stream, int partitions, List<PartitionedStream> draining) {
        Pattern key = Pattern.compile("\\{" + Pattern.quote(stream) + ":(\\d+)/(\\d+)}");
        Map<Integer, List<String>> others = new TreeMap<>();
        for (String k : keys(redis, "{" + glob(stream) + ":*/*}")) {
            Matcher m = key.matcher(k);
            if (!m.matches()) {
                continue;
            }
            int count = Integer.parseInt(m.group(2));
            if (count != partitions && draining.stream().noneMatch(d -> d.partitions() == count)) {
                others.computeIfAbsent(count, c -> new ArrayList<>()).add(k);
            }
        }
        others.forEach((count, keys) -> {
            Map<String, Long> owed = new TreeMap<>();
            for (String k : keys) {
                List<GroupBacklog> groups = GroupBacklog.of(redis.sync(), k, COUNT_LIMIT);
                for (GroupBacklog g : groups == null ? List.<GroupBacklog>of() : groups) {
                    owed.merge(g.group(), g.owed(), Long::sum);
                }
            }
            String perGroup = GroupBacklog.perGroup(owed);
            if (!perGroup.isEmpty()) {
                // Per handler (group): a sum over them counted an entry once for each (found from outside).
                LOG.warn(
                        "stream {}: the layout of {} partitions ({{}:*/{}}) holds entries undelivered or pending "
                                + "that no handler here reads ({}): the configured count is {} and {} is not under "
                                + "draining. Add draining = [{}] to eventbus.streams.{} to read them first (README, "
                                + "Partitioned streams, Changing N)",
                        stream,
                        count,
                        stream,
                        count,
                        perGroup,
                        partitions,
                        count,
                        count,
                        stream);
            }
        });
    }

    /** The stream keys matching {@code match}, on every primary of a cluster. */
    private static Set<String> keys(RedisConnection<byte[], byte[]> redis, String match) {
        KeyScanArgs args = KeyScanArgs.Builder.type("stream").limit(1000).match(match);
        List<RedisClusterCommands<byte[], byte[]>> nodes = new ArrayList<>();
        List<String> primaries = redis.primaryAddresses();
        if (primaries.isEmpty()) {
            nodes.add(redis.sync());
        } else {
            for (String address : primaries) {
                nodes.add(redis.primary(address));
            }
        }
        Set<String> keys = new TreeSet<>();
        for (RedisClusterCommands<byte[], byte[]> node : nodes) {
            KeyScanCursor<byte[]> cursor = node.scan(args);
            while (true) {
                cursor.getKeys().forEach(k -> keys.add(new String(k, StandardCharsets.UTF_8)));
                if (cursor.isFinished()) {
                    break;
                }
                cursor = node.scan(cursor, args);
            }
        }
        return keys;
    }

    /** {@code s} as a SCAN pattern that matches it literally. */
    static String glob(String s) {
        return s.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
    }
}
