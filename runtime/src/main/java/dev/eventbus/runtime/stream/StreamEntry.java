package dev.eventbus.runtime.stream;

import dev.eventbus.runtime.internal.EntryIds;
import java.util.Map;

/**
 * One entry as read from a stream: its id and raw fields (names and values as bytes, in order).
 * An entry deleted or trimmed while pending comes back from Redis with no fields.
 *
 * @param deliveries how many times Redis has delivered the entry to this group, counting this one
 * @param origin how this consumer came to have it
 */
public record StreamEntry(String stream, String id, Map<byte[], byte[]> fields, int deliveries, Origin origin) {

    /** Where an entry came from; recovered entries are the ones the delivery fuse watches. */
    public enum Origin {
        /** A new entry ({@code >}). */
        NEW,
        /** This consumer's own pending entry, read again at start ({@code 0}). */
        HISTORY,
        /** A failed entry whose retry is due. */
        RETRY,
        /**
         * This consumer's own pending entry whose retry is scheduled, read again with the others
         * ({@code 0}: after a restart, a lost read reply, or a new lease's claim). Not handled now
         * (the retry poller brings it back when due), but it holds its subject's lane, so the later
         * events of the subject read with it wait for that retry.
         */
        AWAITING_RETRY,
        /** Taken over from a consumer that left it idle. */
        RECLAIM,
        /**
         * Reported by Redis as deleted while pending, and already dropped from the pending list by
         * that report (XAUTOCLAIM, or an XCLAIM that raced the deletion): only this consumer saw it,
         * so its loss is recorded unconditionally.
         */
        VANISHED;

        /** Whether the entry was delivered before without any recorded outcome (a crash, a kill). */
        public boolean recovered() {
            return this == HISTORY || this == RECLAIM;
        }
    }

    /** True when Redis returned the id without a body: the entry is gone from the stream. */
    public boolean isDeleted() {
        return fields == null || fields.isEmpty() && !(fields instanceof FieldList f && f.truncated());
    }

    /**
     * Size of all field names and values in Redis, the measure of {@code max-event-bytes} (of an
     * entry held only in part, {@link FieldList#truncated()}, too).
     */
    public long sizeInBytes() {
        if (fields instanceof FieldList f) {
            return f.wireBytes();
        }
        long size = 0;
        if (fields != null) {
            for (Map.Entry<byte[], byte[]> f : fields.entrySet()) {
                size += f.getKey().length + (f.getValue() == null ? 0 : f.getValue().length);
            }
        }
        return size;
    }

    /** Milliseconds part of the entry id: when Redis appended it. */
    public long appendedAtMillis() {
        return EntryIds.millis(id);
    }
}
