package dev.eventbus.bench;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's own Redis chores, outside what is measured: filling the stream, reading a
 * group's state and the server's command statistics. Not thread-safe.
 */
final class RedisOps implements AutoCloseable {

    private static final long FILL_CHUNK = 20_000;
    private static final String FILL_SCRIPT = """
            local subjects = tonumber(ARGV[6])
            for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do
              local n = i % 100000000
              local subject = string.format('o-%08d', i % subjects)
              redis.call('XADD', KEYS[1], '*', 'type', ARGV[3], 'subject', subject,
                'id', string.format('e-%08d', n), 'data', ARGV[4] .. subject .. ARGV[5])
            end
            return 1
            """;

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> text;

    RedisOps(String uri) {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(Duration.ofSeconds(60));
        client = RedisClient.create(redisUri);
        text = client.connect(StringCodec.UTF8);
    }

    RedisCommands<String, String> sync() {
        return text.sync();
    }

    /** {@link #fill(long, long, long)} with a subject per event. */
    void fill(long from, long count) {
        fill(from, count, 0);
    }

    /**
     * XADDs events {@code from .. from+count-1} (without {@code ts}) over {@code subjects} subjects
     * (0: one per event), generated inside Redis by a Lua script in chunks (the same bytes as
     * {@link Wire#event(long, long, long)}, checked on the last entry): a client-side fill of
     * 1,000,000 entries costs a cold JVM about 15 s, the script about 3 s.
     */
    void fill(long from, long count, long subjects) {
        if (count <= 0) {
            return;
        }
        if (subjects < 0 || subjects > 100_000_000) {
            throw new IllegalArgumentException("subjects must be 0 (one per event) .. 100,000,000: " + subjects);
        }
        Map<byte[], byte[]> sample = Wire.event(from, -1);
        String subject = Wire.text(Wire.field(sample, Wire.F_SUBJECT));
        String data = Wire.text(Wire.field(sample, Wire.F_DATA));
        int at = data.indexOf(subject);
        String prefix = data.substring(0, at);
        String suffix = data.substring(at + subject.length());
        for (long i = from; i < from + count; i += FILL_CHUNK) {
            long last = Math.min(from + count, i + FILL_CHUNK) - 1;
            text.sync()
                    .eval(
                            FILL_SCRIPT,
                            ScriptOutputType.INTEGER,
                            new String[] {Wire.STREAM},
                            Long.toString(i),
                            Long.toString(last),
                            Wire.TYPE,
                            prefix,
                            suffix,
                            Long.toString(subjects > 0 ? subjects : 100_000_000));
        }
        List<StreamMessage<byte[], byte[]>> newest;
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE)) {
            newest = c.sync().xrevrange(Wire.STREAM_KEY, Range.create("-", "+"), Limit.from(1));
        }
        Map<byte[], byte[]> expected = Wire.event(from + count - 1, subjects, -1);
        Map<byte[], byte[]> actual = newest.get(0).getBody();
        if (actual.size() != expected.size()) {
            throw new IllegalStateException(
                    "filled entry has " + actual.size() + " fields, expected " + expected.size());
        }
        for (Map.Entry<byte[], byte[]> e : expected.entrySet()) {
            if (!Arrays.equals(e.getValue(), Wire.field(actual, e.getKey()))) {
                throw new IllegalStateException(
                        "filled entry differs from Wire.event in field " + Wire.text(e.getKey()));
            }
        }
    }

    /** XLEN of the benchmark stream, waiting while Redis is still loading its snapshot. */
    long streamLength(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return text.sync().xlen(Wire.STREAM);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline
                        || !String.valueOf(e.getMessage()).contains("LOADING")) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /** A consumer group's pending count and entries-read (-1 when the server does not report it). */
    record GroupState(long pending, long entriesRead) {}

    GroupState group(String name) {
        for (Object g : text.sync().xinfoGroups(Wire.STREAM)) {
            Map<String, Object> fields = pairs((List<?>) g);
            if (name.equals(fields.get("name"))) {
                return new GroupState(
                        number(fields.get("pending")),
                        fields.containsKey("entries-read") ? number(fields.get("entries-read")) : -1);
            }
        }
        throw new IllegalStateException("no consumer group '" + name + "' on " + Wire.STREAM);
    }

    /** The names of the stream's consumer groups (none while no consumer has created one). */
    List<String> groupNames() {
        if (text.sync().exists(Wire.STREAM) == 0) {
            return List.of();
        }
        return text.sync().xinfoGroups(Wire.STREAM).stream()
                .map(g -> String.valueOf(pairs((List<?>) g).get("name")))
                .toList();
    }

    /**
     * Polls every millisecond until the group has nothing pending and has read {@code events}
     * entries; returns that moment. For a consumer that knows it handled them all: when Redis does
     * not report entries-read, nothing pending suffices.
     */
    long awaitDrained(String group, long events, Duration timeout) throws InterruptedException {
        return awaitDrained(group, events, timeout, true, Duration.ofMillis(1));
    }

    /**
     * The same for one of several processes sharing the group, which cannot know what the others
     * handled: entries-read must reach {@code events} (a group that has read nothing yet has
     * nothing pending either). Polls every 20 ms.
     */
    long awaitDrainedByAll(String group, long events, Duration timeout) throws InterruptedException {
        return awaitDrained(group, events, timeout, false, Duration.ofMillis(20));
    }

    private long awaitDrained(String group, long events, Duration timeout, boolean lenient, Duration poll)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            GroupState s = group(group);
            long now = System.nanoTime();
            if (s.pending() == 0 && ((lenient && s.entriesRead() < 0) || s.entriesRead() >= events)) {
                return now;
            }
            if (now > deadline) {
                throw new IllegalStateException(
                        "group " + group + " not drained after " + timeout.toSeconds() + " s: " + s);
            }
            Thread.sleep(poll);
        }
    }

    /**
     * Counts this process in at {@code key} and waits until {@code parties} processes have, so
     * that they go on together (within a millisecond).
     */
    void barrier(String key, int parties, Duration timeout) throws InterruptedException {
        text.sync().incr(key);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (Long.parseLong(text.sync().get(key)) < parties) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + text.sync().get(key) + " of " + parties
                        + " processes reached the barrier after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(1);
        }
    }

    /** {@code INFO commandstats}: calls per command (lower case). */
    Map<String, Long> commandCalls() {
        Map<String, Long> calls = new HashMap<>();
        addCommandCalls(text.sync().info("commandstats"), calls);
        return calls;
    }

    /** Adds the calls per command (lower case) of an {@code INFO commandstats} reply to {@code calls}. */
    /** The CPU time in an {@code INFO cpu} reply (user + system), in seconds. */
    static double cpuSeconds(String infoCpu) {
        double s = 0;
        for (String line : infoCpu.split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                s += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return s;
    }

    static void addCommandCalls(String commandstats, Map<String, Long> calls) {
        for (String line : commandstats.split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (part.startsWith("calls=")) {
                        calls.merge(name, Long.parseLong(part.substring("calls=".length())), Long::sum);
                    }
                }
            }
        }
    }

    private static Map<String, Object> pairs(List<?> list) {
        Map<String, Object> map = new HashMap<>();
        for (int i = 0; i + 1 < list.size(); i += 2) {
            map.put(String.valueOf(list.get(i)), list.get(i + 1));
        }
        return map;
    }

    private static long number(Object o) {
        if (o instanceof Number n) {
            return n.longValue();
        }
        return o == null ? -1 : Long.parseLong(o.toString());
    }

    @Override
    public void close() {
        text.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
