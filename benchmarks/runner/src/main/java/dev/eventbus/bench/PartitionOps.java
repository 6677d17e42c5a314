package dev.eventbus.bench;

import dev.eventbus.runtime.ownership.Lease;
import dev.eventbus.runtime.ownership.Rendezvous;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * The benchmark's side of a stream on one redis-server, partitioned as Eventbus lays it out
 * ({@code {bench:events:i/N}}, partition {@code crc32(subject) mod N}) or not ({@code N = 1}: the
 * key {@link Wire#STREAM}): filling it, reading its groups' progress over all partitions in one
 * pipelined round trip, and reading the leases of an ordered handler. Not thread-safe.
 */
final class PartitionOps implements AutoCloseable {

    /**
     * Fills one partition: the events of the subjects numbered in ARGV[8..], round by round (rounds
     * ARGV[1]..ARGV[2]; event {@code round * subjects + s}, below ARGV[3]), so each subject's events
     * keep their order; the same bytes as {@link Wire#event(long, long, long)}.
     */
    private static final String FILL_SCRIPT = """
            local subjects = tonumber(ARGV[7])
            local events = tonumber(ARGV[3])
            local n = 0
            for r = tonumber(ARGV[1]), tonumber(ARGV[2]) do
              for k = 8, #ARGV do
                local i = r * subjects + tonumber(ARGV[k])
                if i < events then
                  local subject = string.format('o-%08d', tonumber(ARGV[k]))
                  redis.call('XADD', KEYS[1], '*', 'type', ARGV[4], 'subject', subject,
                    'id', string.format('e-%08d', i % 100000000), 'data', ARGV[5] .. subject .. ARGV[6])
                  n = n + 1
                end
              end
            end
            return n
            """;

    private final int partitions;
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    /** @param partitions the stream's partitions; 1: the unpartitioned key {@link Wire#STREAM} */
    PartitionOps(String uri, int partitions) {
        this.partitions = partitions;
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(Duration.ofSeconds(60));
        client = RedisClient.create(redisUri);
        connection = client.connect(StringCodec.UTF8);
    }

    int partitions() {
        return partitions;
    }

    /** The Redis key of partition {@code i}, as Eventbus derives it. */
    String key(int i) {
        return partitions == 1 ? Wire.STREAM : "{" + Wire.STREAM + ":" + i + "/" + partitions + "}";
    }

    /** The partition of a subject: CRC-32 of its UTF-8 bytes, mod N (the README's partition function). */
    int partitionOf(String subject) {
        CRC32 crc = new CRC32();
        crc.update(subject.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % partitions);
    }

    /** The subject {@code o-NNNNNNNN} of subject number {@code s}, as {@link Wire} writes it. */
    static String subject(long s) {
        return String.format("o-%08d", s);
    }

    /**
     * XADDs events {@code 0 .. events-1} over {@code subjects} subjects in turn, each to its
     * subject's partition, generated inside Redis in chunks of about 20,000.
     */
    void fill(long events, long subjects) {
        if (subjects < 1 || subjects > events) {
            throw new IllegalArgumentException("subjects must be 1 .. events: " + subjects);
        }
        Map<byte[], byte[]> sample = Wire.event(0, subjects, -1);
        String data = Wire.text(Wire.field(sample, Wire.F_DATA));
        String first = subject(0);
        int at = data.indexOf(first);
        String prefix = data.substring(0, at);
        String suffix = data.substring(at + first.length());
        List<List<String>> bySubject = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            bySubject.add(new ArrayList<>());
        }
        for (long s = 0; s < subjects; s++) {
            bySubject.get(partitionOf(subject(s))).add(Long.toString(s));
        }
        long rounds = (events + subjects - 1) / subjects;
        for (int p = 0; p < partitions; p++) {
            List<String> own = bySubject.get(p);
            if (own.isEmpty()) {
                continue;
            }
            long perChunk = Math.max(1, 20_000 / own.size());
            for (long r = 0; r < rounds; r += perChunk) {
                List<String> argv = new ArrayList<>(List.of(
                        Long.toString(r),
                        Long.toString(Math.min(rounds, r + perChunk) - 1),
                        Long.toString(events),
                        Wire.TYPE,
                        prefix,
                        suffix,
                        Long.toString(subjects)));
                argv.addAll(own);
                connection
                        .sync()
                        .eval(
                                FILL_SCRIPT,
                                ScriptOutputType.INTEGER,
                                new String[] {key(p)},
                                argv.toArray(String[]::new));
            }
        }
        if (length() != events) {
            throw new IllegalStateException("partitions hold " + length() + " entries, expected " + events);
        }
    }

    /** Entries of all partitions. */
    long length() {
        long n = 0;
        for (int i = 0; i < partitions; i++) {
            n += connection.sync().xlen(key(i));
        }
        return n;
    }

    /** Creates {@code group} (and the stream) on every partition at its end, so that its consumers read nothing yet. */
    void createGroupsAtEnd(String group) {
        for (int i = 0; i < partitions; i++) {
            connection
                    .sync()
                    .xgroupCreate(
                            io.lettuce.core.XReadArgs.StreamOffset.from(key(i), "$"),
                            group,
                            io.lettuce.core.XGroupCreateArgs.Builder.mkstream());
        }
    }

    /** The type of the entry {@link #rewindGroups} adds to each partition; no handler consumes it. */
    static final String WAKE_TYPE = "bench.wake";

    /**
     * Moves {@code group} back to the start of every partition, then adds an entry of {@link
     * #WAKE_TYPE} to each: a reader waiting for new entries (XREAD or XREADGROUP BLOCK) wakes now
     * instead of at its block timeout, and reads the backlog. Eventbus acknowledges an entry of a
     * type its handler does not consume without handling it.
     */
    void rewindGroups(String group) {
        for (int i = 0; i < partitions; i++) {
            connection
                    .sync()
                    .dispatch(
                            io.lettuce.core.protocol.CommandType.XGROUP,
                            new io.lettuce.core.output.StatusOutput<>(StringCodec.UTF8),
                            new io.lettuce.core.protocol.CommandArgs<>(StringCodec.UTF8)
                                    .add("SETID")
                                    .addKey(key(i))
                                    .add(group)
                                    .add("0")
                                    .add("ENTRIESREAD")
                                    .add(0));
        }
        for (int i = 0; i < partitions; i++) {
            connection.sync().xadd(key(i), Map.of("type", WAKE_TYPE, "subject", "wake", "id", "wake-" + i));
        }
    }

    /** Per partition: entries the group has read and acknowledged (entries-read - pending) and pending. */
    record Progress(long[] acked, long[] pending) {
        long ackedTotal() {
            long n = 0;
            for (long a : acked) {
                n += a;
            }
            return n;
        }

        long pendingTotal() {
            long n = 0;
            for (long p : pending) {
                n += p;
            }
            return n;
        }
    }

    /** The group's progress on every partition, in one pipelined round trip. */
    Progress progress(String group) throws Exception {
        List<RedisFuture<List<Object>>> replies = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            replies.add(connection.async().xinfoGroups(key(i)));
        }
        long[] acked = new long[partitions];
        long[] pending = new long[partitions];
        for (int i = 0; i < partitions; i++) {
            for (Object g : replies.get(i).get(10, TimeUnit.SECONDS)) {
                List<?> fields = (List<?>) g;
                Map<String, Object> m = new java.util.HashMap<>();
                for (int k = 0; k + 1 < fields.size(); k += 2) {
                    m.put(String.valueOf(fields.get(k)), fields.get(k + 1));
                }
                if (group.equals(m.get("name"))) {
                    pending[i] = ((Number) m.get("pending")).longValue();
                    acked[i] = ((Number) m.get("entries-read")).longValue() - pending[i];
                }
            }
        }
        return new Progress(acked, pending);
    }

    /** Instance names in the registry ({@code eventbus:instances}), whatever their heartbeat's age. */
    List<String> registered() {
        return connection.sync().zrange("eventbus:instances", 0, -1);
    }

    /** Consumers of {@code group} on partition 0. */
    List<String> consumers(String group) {
        List<String> names = new ArrayList<>();
        for (Object c : connection.sync().xinfoConsumers(key(0), group)) {
            List<?> fields = (List<?>) c;
            names.add(String.valueOf(fields.get(fields.indexOf("name") + 1)));
        }
        return names;
    }

    /**
     * Whether every partition's lease of the ordered {@code handler} is held by the instance that
     * rendezvous hashing over {@code live} assigns it to, as the runtime computes it.
     */
    boolean ownedAsAssigned(String handler, Collection<String> live) throws Exception {
        List<RedisFuture<List<io.lettuce.core.KeyValue<String, String>>>> replies = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            replies.add(connection.async().hmget(Lease.keyOf(key(i), handler), "owner"));
        }
        for (int i = 0; i < partitions; i++) {
            var owner = replies.get(i).get(10, TimeUnit.SECONDS).get(0);
            String expected = Rendezvous.owner(handler + "@" + key(i), live);
            if (!owner.hasValue() || !owner.getValue().equals(expected)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
