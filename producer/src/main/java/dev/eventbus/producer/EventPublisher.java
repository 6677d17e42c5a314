package dev.eventbus.producer;

import io.lettuce.core.api.sync.RedisStreamCommands;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Publishes events in the wire format with Lettuce (XADD), to the partition of their subject when
 * the stream is partitioned. An event without a subject goes to the partitions in turn, so such
 * events spread evenly; they have no order to keep.
 *
 * <p>The caller owns the connection: {@code connection.sync()} of a
 * {@code StatefulRedisConnection<byte[], byte[]>} or of a cluster connection (with
 * {@code ByteArrayCodec}). Thread-safe as far as the given commands are.
 */
public final class EventPublisher {

    private final RedisStreamCommands<byte[], byte[]> redis;
    private final Map<String, PartitionedStream> partitioned = new HashMap<>();
    private final AtomicInteger turn = new AtomicInteger();

    /** @param partitioned the partitioned streams by logical name; any other stream is one key */
    public EventPublisher(RedisStreamCommands<byte[], byte[]> redis, Collection<PartitionedStream> partitioned) {
        this.redis = redis;
        for (PartitionedStream stream : partitioned) {
            if (this.partitioned.put(stream.name(), stream) != null) {
                throw new IllegalArgumentException("stream '" + stream.name() + "' is given twice");
            }
        }
    }

    /** @return the key it went to and the new entry's id */
    public PublishedEntry publish(String stream, OutgoingEvent event) {
        String key = keyFor(stream, event);
        return new PublishedEntry(key, redis.xadd(key.getBytes(StandardCharsets.UTF_8), event.toEntryFields()));
    }

    /**
     * The Redis key the event goes to: its subject's partition, the next in turn (each call takes
     * a turn), or the stream itself.
     */
    public String keyFor(String stream, OutgoingEvent event) {
        PartitionedStream layout = partitioned.get(stream);
        if (layout == null) {
            return stream;
        }
        if (event.subject() == null) {
            return layout.key(Math.floorMod(turn.getAndIncrement(), layout.partitions()));
        }
        return layout.keyOf(event.subject());
    }
}
