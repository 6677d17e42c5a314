package dev.eventbus.producer;

/**
 * Where a published event went.
 *
 * @param key the Redis stream key: the partition for a partitioned stream
 * @param id the new entry's id
 */
public record PublishedEntry(String key, String id) {}
