package dev.eventbus.faults;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The randomized mode's producer: XADDs at a steady rate (in batches every 10 ms) from one thread,
 * each event with seq {@code n}, one of a few subjects and, drawn from the schedule's seeded random,
 * a misbehaviour for the handlers (fail permanently, fail a few times, stall past the timeout, be
 * slow). Only ids Redis returned count as produced; an XADD without an answer (connection killed,
 * Redis gone) is "attempted": it may exist, so the oracle asks nothing of it. Its connection never
 * re-sends a command after a reconnect (at most once), so no seq is written twice.
 * Thread-safe: one producing thread; the maps are concurrent.
 */
final class LoadGenerator implements AutoCloseable {

    static final String SEQ_FIELD = "order";

    private final String uri;
    private final Random random;
    private final int ratePerSecond;
    private final int subjects;
    /** seq -> entry id, for acknowledged XADDs. */
    final Map<Integer, String> produced = new ConcurrentHashMap<>();
    /** seq -> subject, for every attempted XADD. */
    final Map<Integer, String> subjectOf = new ConcurrentHashMap<>();
    /** seqs written without an answer. */
    final Set<Integer> unacknowledged = ConcurrentHashMap.newKeySet();
    /** seq -> its misbehaviour header, for the report. */
    final Map<Integer, String> misbehaviour = new ConcurrentHashMap<>();

    private final Thread thread;
    private volatile boolean running = true;
    private int next = 1;
    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> connection;

    LoadGenerator(String uri, long seed, int ratePerSecond, int subjects) {
        this.uri = uri;
        this.random = new Random(seed);
        this.ratePerSecond = ratePerSecond;
        this.subjects = subjects;
        this.thread = Thread.ofPlatform().name("nemesis-producer").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    int lastSeq() {
        return next - 1;
    }

    private void run() {
        long period = 10_000_000L;
        int perBatch = Math.max(1, ratePerSecond / 100);
        long due = System.nanoTime();
        while (running) {
            try {
                produceBatch(perBatch);
            } catch (RuntimeException e) {
                reconnect();
            }
            due += period;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                FaultRig.sleep(wait / 1_000_000);
            } else if (wait < -1_000_000_000L) {
                due = System.nanoTime(); // Redis was away: do not catch up with a burst.
            }
        }
    }

    private void produceBatch(int n) {
        StatefulRedisConnection<byte[], byte[]> c = connection();
        byte[] stream = FaultRig.STREAM.getBytes(StandardCharsets.UTF_8);
        List<RedisFuture<String>> futures = new ArrayList<>(n);
        int first = next;
        for (int i = 0; i < n; i++) {
            int seq = next++;
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("type", dev.eventbus.faults.plugin.FaultHandler.TYPE);
            String subject = "k-" + random.nextInt(subjects);
            fields.put("subject", subject);
            fields.put(SEQ_FIELD, Integer.toString(seq));
            fields.put("data", "{\"seq\":" + seq + "}");
            misbehave(seq, fields);
            subjectOf.put(seq, subject);
            futures.add(c.async().xadd(stream, FaultRig.bytes(fields)));
        }
        RuntimeException failure = null;
        for (int i = 0; i < n; i++) {
            try {
                produced.put(first + i, futures.get(i).get(10, TimeUnit.SECONDS));
            } catch (Exception e) {
                unacknowledged.add(first + i);
                if (failure == null) {
                    failure = new IllegalStateException("XADD failed", e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Per mille: 3 fail for good, 10 fail once or twice, 1 stalls past the timeout once, 20 are slow. */
    private void misbehave(int seq, Map<String, String> fields) {
        int r = random.nextInt(1000);
        if (r < 3) {
            fields.put("fail", "throw");
        } else if (r < 13) {
            fields.put("fail", "throw");
            fields.put("fail-attempts", Integer.toString(1 + random.nextInt(2)));
        } else if (r < 14) {
            fields.put("fail", "stall");
            fields.put("stall-ms", "2500");
            fields.put("fail-attempts", "1");
        } else if (r < 34) {
            fields.put("sleep-ms", Integer.toString(20 + random.nextInt(200)));
        } else {
            return;
        }
        misbehaviour.put(
                seq,
                fields.get("fail") == null
                        ? "slow"
                        : fields.get("fail")
                                + (fields.containsKey("fail-attempts") ? "x" + fields.get("fail-attempts") : ""));
    }

    private StatefulRedisConnection<byte[], byte[]> connection() {
        if (connection == null) {
            closeConnection();
            client = RedisClient.create(uri);
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(false)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .build());
            connection = client.connect(ByteArrayCodec.INSTANCE);
        }
        return connection;
    }

    private void reconnect() {
        closeConnection();
        FaultRig.sleep(100);
    }

    private void closeConnection() {
        try {
            if (connection != null) {
                connection.close();
            }
            if (client != null) {
                client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            }
        } catch (RuntimeException ignored) {
            // Already broken.
        }
        connection = null;
        client = null;
    }

    /** Stops producing and waits for the last batch. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeConnection();
    }
}
