package dev.eventbus.runtime.consumer;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes an XREADGROUP reply for one stream straight into {@link StreamEntry} objects, on the
 * connection's I/O thread. Lettuce's own output builds a {@code LinkedHashMap} per entry, hashing
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
 * <p>One instance per command; used by one I/O thread.
 */
final class NewEntriesOutput extends CommandOutput<byte[], byte[], List<StreamEntry>> {

    private static final int MAX_DEPTH = 8;

    private final String stream;
    private final StreamEntry.Origin origin;
    /** Children each open aggregate has in all, and still expects; index 1 is the reply itself. */
    private final int[] children = new int[MAX_DEPTH + 1];
    private final int[] expected = new int[MAX_DEPTH + 1];
    private int depth;
    private int entryDepth = 4;
    private String id;
    private byte[][] fields;
    private int fieldsSet;
    private boolean inFields;

    NewEntriesOutput(String stream, StreamEntry.Origin origin) {
        super(ByteArrayCodec.INSTANCE, new ArrayList<>());
        this.stream = stream;
        this.origin = origin;
    }

    @Override
    public void multiMap(int count) {
        if (depth == 0) {
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
        } else if (inFields && depth == entryDepth + 1 && fieldsSet < fields.length) {
            fields[fieldsSet++] = bytes == null ? new byte[0] : copy(bytes);
        }
        closeFinished();
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
                Map<byte[], byte[]> body = fields == null || fieldsSet < 2
                        ? Map.of()
                        : new FieldList(fields, fieldsSet / 2);
                output.add(new StreamEntry(stream, id, body, 1, origin));
            }
            depth--;
        }
    }

    private static byte[] copy(ByteBuffer bytes) {
        byte[] b = new byte[bytes.remaining()];
        bytes.get(b);
        return b;
    }
}
