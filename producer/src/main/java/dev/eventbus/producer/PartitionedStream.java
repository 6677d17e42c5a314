package dev.eventbus.producer;

import java.util.ArrayList;
import java.util.List;

/**
 * A logical stream split into {@code partitions} Redis streams (README, "Partitioned streams").
 * Partition {@code i} of {@code N} of stream {@code orders} is the key {@code {orders:i/N}}:
 * <ul>
 *   <li>the whole key is a Redis Cluster hash tag, so the partitions spread over the primaries,
 *       and every key the runtime derives from it by adding a prefix (retry set, first-failure
 *       times) lands in the same slot;</li>
 *   <li>the logical name is in the tag, so partition 0 of every stream does not share one slot;</li>
 *   <li>N is in the name, so the layouts of two partition counts never share a key: while the old
 *       one drains, new events go to the new one.</li>
 * </ul>
 *
 * @param name the logical name handlers subscribe to; no braces
 * @param partitions 1 to {@value #MAX_PARTITIONS}
 */
public record PartitionedStream(String name, int partitions) {

    public static final int MAX_PARTITIONS = 1024;

    public PartitionedStream {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a partitioned stream needs a name");
        }
        if (name.indexOf('{') >= 0 || name.indexOf('}') >= 0) {
            throw new IllegalArgumentException("stream '" + name + "': the name may not hold '{' or '}' (the "
                    + "partition keys are Redis Cluster hash tags)");
        }
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException(
                    "stream '" + name + "': partitions must be in 1.." + MAX_PARTITIONS + ", was " + partitions);
        }
    }

    /** The Redis key of partition {@code partition}. */
    public String key(int partition) {
        if (partition < 0 || partition >= partitions) {
            throw new IndexOutOfBoundsException(
                    "stream '" + name + "' has partitions 0.." + (partitions - 1) + ", not " + partition);
        }
        return "{" + name + ":" + partition + "/" + partitions + "}";
    }

    /** The partition of events with this subject. */
    public int partitionOf(String subject) {
        return SubjectHash.partition(subject, partitions);
    }

    /** The Redis key events with this subject go to. */
    public String keyOf(String subject) {
        return key(partitionOf(subject));
    }

    /** Every partition's key, partition 0 first. */
    public List<String> keys() {
        List<String> keys = new ArrayList<>(partitions);
        for (int i = 0; i < partitions; i++) {
            keys.add(key(i));
        }
        return List.copyOf(keys);
    }
}
