package dev.eventbus.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Adds events at a fixed rate on a thread of its own, each to its subject's partition of the
 * stream {@link PartitionOps} describes: event {@code i} over {@code subjects} subjects in turn, as
 * {@link Wire#event(long, long, long)} writes it, in 10 ms batches.
 */
final class PacedProducer implements AutoCloseable {

    private final RedisClient client;
    private final StatefulRedisConnection<byte[], byte[]> connection;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile long produced;
    private volatile Throwable failure;

    PacedProducer(String uri, PartitionOps layout, long subjects, double perSecond) {
        RedisURI redisUri = RedisURI.create(uri);
        redisUri.setTimeout(Duration.ofSeconds(10));
        client = RedisClient.create(redisUri);
        connection = client.connect(ByteArrayCodec.INSTANCE);
        byte[][] keys = new byte[layout.partitions()][];
        for (int p = 0; p < keys.length; p++) {
            keys[p] = Wire.bytes(layout.key(p));
        }
        int[] partitionOf = new int[(int) subjects];
        for (int s = 0; s < subjects; s++) {
            partitionOf[s] = layout.partitionOf(PartitionOps.subject(s));
        }
        thread = Thread.ofPlatform().name("paced-producer").daemon(true).start(() -> {
            long t0 = System.nanoTime();
            long i = 0;
            List<RedisFuture<String>> batch = new ArrayList<>();
            try {
                while (!stopping) {
                    long due = (long) ((System.nanoTime() - t0) / 1e9 * perSecond);
                    for (; i < due; i++) {
                        batch.add(connection
                                .async()
                                .xadd(keys[partitionOf[(int) (i % subjects)]], Wire.event(i, subjects, -1)));
                    }
                    for (RedisFuture<String> f : batch) {
                        f.get(10, TimeUnit.SECONDS);
                    }
                    batch.clear();
                    produced = i;
                    LockSupport.parkNanos(10_000_000L);
                }
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    /** Events Redis has taken so far. */
    long produced() {
        check();
        return produced;
    }

    /** Stops producing; returns how many events Redis took. */
    long stop() throws InterruptedException {
        stopping = true;
        thread.join(20_000);
        check();
        return produced;
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException("the producer failed: " + failure, failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(20_000);
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
