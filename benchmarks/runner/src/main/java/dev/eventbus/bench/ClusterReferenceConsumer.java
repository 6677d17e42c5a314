package dev.eventbus.bench;

import io.lettuce.core.Consumer;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XReadArgs.StreamOffset;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The raw-Lettuce reference on a Redis Cluster: the simple loop of {@link ReferenceConsumer}
 * ({@code XREADGROUP COUNT 500 BLOCK 100 >}, the no-op handler per entry, one XACK per read) once
 * per partition of the stream, each on a platform thread with a cluster connection of its own (a
 * blocking read holds its connection). A failed command (a primary died) is counted and retried
 * after 100 ms, reading the loop's own pending entries first; {@link ClusterOps#client} refreshes
 * the topology, so the retry reaches the promoted replica.
 */
final class ClusterReferenceConsumer implements AutoCloseable {

    static final String GROUP = "reference";
    private static final int COUNT = 500;

    private final RedisClusterClient client;
    private final String consumerName;
    private final Progress progress;
    private final List<StatefulRedisClusterConnection<byte[], byte[]>> connections = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private volatile boolean stopping;
    private volatile long retries;

    @SuppressWarnings("unused")
    private volatile int sink;

    ClusterReferenceConsumer(String seeds, String consumerName, Progress progress) {
        // 1 s: above the 100 ms of BLOCK, and the most a read queued for a dead primary waits.
        this.client = ClusterOps.client(seeds, Duration.ofSeconds(1));
        this.consumerName = consumerName;
        this.progress = progress;
    }

    void start() {
        for (int i = 0; i < ClusterOps.PARTITIONS; i++) {
            StatefulRedisClusterConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE);
            connections.add(c);
            byte[] key = Wire.bytes(ClusterOps.key(i));
            try {
                c.sync()
                        .xgroupCreate(
                                StreamOffset.from(key, "0"), Wire.bytes(GROUP), XGroupCreateArgs.Builder.mkstream());
            } catch (RuntimeException e) {
                if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) {
                    throw e;
                }
            }
            readers.add(Thread.ofPlatform().name("reference-reader-" + i).start(() -> run(c.sync(), key)));
        }
    }

    private void run(RedisAdvancedClusterCommands<byte[], byte[]> redis, byte[] key) {
        Consumer<byte[]> consumer = Consumer.from(Wire.bytes(GROUP), Wire.bytes(consumerName));
        XReadArgs args = XReadArgs.Builder.count(COUNT).block(100);
        StreamOffset<byte[]> fresh = StreamOffset.lastConsumed(key);
        StreamOffset<byte[]> own = StreamOffset.from(key, "0");
        // After a failed read or XACK, a careful loop reads its own pending entries first: the reply
        // of the read may have been lost after Redis delivered its entries, or the XACK may not have
        // run; without this the loop left them pending for good (999,000 of 1,000,000 once).
        boolean rereadOwn = false;
        byte[] group = Wire.bytes(GROUP);
        while (!stopping) {
            try {
                List<StreamMessage<byte[], byte[]>> messages =
                        redis.xreadgroup(consumer, args, rereadOwn ? own : fresh);
                if (messages.isEmpty()) {
                    rereadOwn = false;
                    continue;
                }
                String[] ids = handleAll(messages);
                redis.xack(key, group, ids);
                progress.add(ids.length, System.nanoTime());
            } catch (RuntimeException e) {
                if (stopping) {
                    return;
                }
                retries++;
                rereadOwn = true;
                LockSupport.parkNanos(100_000_000L);
            }
        }
    }

    private String[] handleAll(List<StreamMessage<byte[], byte[]>> messages) {
        String[] ids = new String[messages.size()];
        int i = 0;
        for (StreamMessage<byte[], byte[]> m : messages) {
            Map<byte[], byte[]> body = m.getBody();
            byte[] type = Wire.field(body, Wire.F_TYPE);
            byte[] data = Wire.field(body, Wire.F_DATA);
            sink = (type == null ? 0 : type.length) + (data == null ? 0 : data.length);
            progress.handled(
                    Wire.index(Wire.field(body, Wire.F_ID)),
                    Wire.parseTs(Wire.field(body, Wire.F_TS)),
                    System.nanoTime());
            ids[i++] = m.getId();
        }
        return ids;
    }

    /** Commands that failed and were tried again. */
    long retries() {
        return retries;
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread t : readers) {
            t.join(5_000);
        }
        connections.forEach(StatefulRedisClusterConnection::close);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
