package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.stream.EventCodec;
import dev.eventbus.runtime.stream.FieldList;
import dev.eventbus.runtime.stream.StreamEntry;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes an XREADGROUP reply for one stream straight into {@link StreamEntry} objects, on the
 * connection's I/O thread (and an XCLAIM or XRANGE reply, a plain array of entries:
 * {@link #entryList}). Lettuce's own output builds a {@code LinkedHashMap} per entry, hashing
 * each field name by identity and wrapping the result in a {@code StreamMessage}: a tenth of the
 * CPU a no-op event costs. Here the fields go into one array per entry ({@link FieldList}).
 *
 * <p>The reply is followed by its shape alone, the same in RESP2 and RESP3: a stack of open
 * aggregates with the children each still expects. Entries are the aggregates at depth 4 (RESP2:
 * array of [stream, entries] pairs) or 3 (RESP3: map of stream to entries), [id, fields]; their
 * fields the aggregates one level down. An entry deleted while pending has a null for its fields
 * and becomes an entry without fields ({@link StreamEntry#isDeleted()}). Extra elements of an entry
 * (newer Redis versions may add some) are skipped.
 *
 * <p>Memory is bounded while decoding, since Redis 7 cannot bound a read in bytes: a field that
 * would take its entry over {@code maxEventBytes} is not copied (the entry keeps the fields that
 * fit and its size, {@link FieldList#truncated()}, and is dead-lettered as too large without ever
 * being held whole), and once the entries kept would pass {@code room} the rest of the reply is
 * not copied at all: those entries are {@link #spilled()}, pending for this consumer, and the
 * reader reads them again from its pending list when it has room. The first entry is always kept,
 * so every read makes progress.
 *
 * <p>One instance per command; used by one I/O thread.
 */
final class NewEntriesOutput extends CommandOutput<byte[], byte[], List<StreamEntry>> {

    private static final int MAX_DEPTH = 8;

    private final String stream;
    private final StreamEntry.Origin origin;
    private final long maxEventBytes;
    private final long room;
    /** Children each open aggregate has in all, and still expects; index 1 is the reply itself. */
    private final int[] children = new int[MAX_DEPTH + 1];

    private final int[] expected = new int[MAX_DEPTH + 1];
    private int depth;
    private int entryDepth;
    /** An XCLAIM or XRANGE reply: the entries are the reply's children, whatever the protocol. */
    private final boolean flat;

    private String id;
    private byte[][] fields;
    private int fieldsSet;
    private boolean inFields;
    /** Field names and values of the current entry seen, and their sizes: in Redis, and kept here. */
    private int fieldsSeen;

    private long entryWireBytes;
    private long entryHeldBytes;
    private int nameLength;
    private boolean nameKept;
    private long heldBytes;
    private long wireBytes;
    private int entriesSeen;
    private int spilled;
    private boolean spilling;
    /** How long the read may take before it times out, ms; 0: the command timeout ({@link ReadTimeouts}). */
    private long timeoutMillis;

    NewEntriesOutput(String stream, StreamEntry.Origin origin) {
        this(stream, origin, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param maxEventBytes largest entry kept whole (consumer.max-event-bytes)
     * @param room bytes the entries of this reply may hold, beyond the first one
     */
    NewEntriesOutput(String stream, StreamEntry.Origin origin, long maxEventBytes, long room) {
        this(stream, origin, maxEventBytes, room, false);
    }

    private NewEntriesOutput(String stream, StreamEntry.Origin origin, long maxEventBytes, long room, boolean flat) {
        super(ByteArrayCodec.INSTANCE, new ArrayList<>());
        this.stream = stream;
        this.origin = origin;
        this.maxEventBytes = maxEventBytes;
        this.room = room;
        this.flat = flat;
        this.entryDepth = flat ? 2 : 4;
    }

    /**
     * For an XCLAIM or XRANGE reply, an array of entries: each entry over {@code maxEventBytes}
     * keeps only the fields that fit, like a read's.
     */
    static NewEntriesOutput entryList(String stream, StreamEntry.Origin origin, long maxEventBytes) {
        return new NewEntriesOutput(stream, origin, maxEventBytes, Long.MAX_VALUE, true);
    }

    /** A fresh output of the same kind, for the same command sent again (this one took an error reply). */
    NewEntriesOutput again() {
        return new NewEntriesOutput(stream, origin, maxEventBytes, room, flat).bounded(timeoutMillis);
    }

    /**
     * Bounds the read this output takes the reply of to {@code millis} (where the client applies
     * {@link ReadTimeouts}); 0 leaves it to the command timeout.
     */
    NewEntriesOutput bounded(long millis) {
        this.timeoutMillis = millis;
        return this;
    }

    /** The bound set by {@link #bounded}, ms, or 0. */
    long timeoutMillis() {
        return timeoutMillis;
    }

    /** Bytes of field names and values the entries returned hold. */
    long heldBytes() {
        return heldBytes;
    }

    /** Bytes of field names and values of every entry in the reply, as Redis sent them. */
    long wireBytes() {
        return wireBytes;
    }

    /** Entries in the reply, returned or spilled. */
    int entriesSeen() {
        return entriesSeen;
    }

    /** Entries of the reply not returned, for lack of room: the last ones, pending for this consumer. */
    int spilled() {
        return spilled;
    }

    @Override
    public void multiMap(int count) {
        if (depth == 0 && !flat) {
            entryDepth = 3; // RESP3: the streams are a map, one level less than RESP2's array of pairs
        }
        super.multiMap(count); // calls multi(2 * count)
    }

    @Override
    public void multi(int count) {
        if (count < 0) {
            element(null); // a null aggregate: RESP2's nil array, e.g. a deleted entry's fields
            return;
        }
        int index = nextChild();
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("XREADGROUP reply nested deeper than " + MAX_DEPTH);
        }
        depth++;
        children[depth] = count;
        expected[depth] = count;
        if (depth == entryDepth) {
            id = null;
            fields = null;
            fieldsSet = 0;
            fieldsSeen = 0;
            entryWireBytes = 0;
            entryHeldBytes = 0;
        } else if (depth == entryDepth + 1 && index == 1) {
            fields = new byte[count][]; // the entry's second child: name, value, name, value, ...
            inFields = true;
        }
        closeFinished();
    }

    @Override
    public void set(ByteBuffer bytes) {
        element(bytes);
    }

    @Override
    public void setSingle(ByteBuffer bytes) {
        element(null);
    }

    @Override
    public void set(long integer) {
        element(null);
    }

    @Override
    public void set(double number) {
        element(null);
    }

    @Override
    public void set(boolean value) {
        element(null);
    }

    /** A scalar (or null) child of the innermost open aggregate. */
    private void element(ByteBuffer bytes) {
        if (depth == 0) {
            return; // a null reply: nothing new before BLOCK ran out
        }
        int index = nextChild();
        if (depth == entryDepth && index == 0 && bytes != null) {
            id = new String(copy(bytes), StandardCharsets.US_ASCII); // Charset.decode would add a char buffer per entry
        } else if (inFields && depth == entryDepth + 1 && fieldsSeen < fields.length) {
            field(bytes);
        }
        closeFinished();
    }

    /**
     * A field name or value: copied when its pair fits in max-event-bytes and the reply has room,
     * else only counted. A name is copied before its value is known, and forgotten if the value
     * does not fit.
     */
    private void field(ByteBuffer bytes) {
        int length = bytes == null ? 0 : bytes.remaining();
        entryWireBytes += length;
        boolean isName = (fieldsSeen++ & 1) == 0;
        long after = entryHeldBytes + length + (isName ? 0 : nameLength);
        boolean fits = isName || nameKept;
        if (spilling || !fits || after > maxEventBytes) {
            nameKept = false;
            return;
        }
        if (heldBytes + after > room && !output.isEmpty()) {
            spilling = true; // this entry and all after it stay pending here, to be read again
            return;
        }
        fields[fieldsSet + (isName ? 0 : 1)] = bytes == null ? new byte[0] : isName ? name(bytes) : copy(bytes);
        if (isName) {
            nameLength = length;
            nameKept = true;
        } else {
            fieldsSet += 2;
            entryHeldBytes = after;
            nameKept = false;
        }
    }

    /** Counts a child of the innermost open aggregate; returns its index there. */
    private int nextChild() {
        if (depth == 0) {
            return 0;
        }
        int index = children[depth] - expected[depth];
        expected[depth]--;
        return index;
    }

    private void closeFinished() {
        while (depth > 0 && expected[depth] == 0) {
            if (depth == entryDepth + 1) {
                inFields = false;
            }
            if (depth == entryDepth && id != null) {
                entriesSeen++;
                wireBytes += entryWireBytes;
                if (spilling) {
                    spilled++;
                } else {
                    Map<byte[], byte[]> body = fields == null || fieldsSeen == 0
                            ? Map.of()
                            : new FieldList(fields, fieldsSet / 2, entryWireBytes, entryHeldBytes);
                    heldBytes += entryHeldBytes;
                    output.add(new StreamEntry(stream, id, body, 1, origin));
                }
            }
            depth--;
        }
    }

    /** A wire-format field name is not copied: every entry shares one array of it. */
    private static byte[] name(ByteBuffer bytes) {
        byte[] known = EventCodec.knownFieldName(bytes);
        return known != null ? known : copy(bytes);
    }

    private static byte[] copy(ByteBuffer bytes) {
        byte[] b = new byte[bytes.remaining()];
        bytes.get(b);
        return b;
    }
}
