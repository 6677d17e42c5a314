package dev.eventbus.runtime.stream;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * An entry's fields as read, in order: names and values side by side in one array. A map only in
 * name: byte-array keys have no useful lookup, so nothing is hashed, and every field is kept, even
 * one whose name repeats. An entry over consumer.max-event-bytes keeps only the fields that fit in
 * it, and knows its size in Redis ({@link #truncated()}).
 *
 * <p>Immutable once built; its arrays are handed out as they are and must not be changed. A name
 * may be one array shared by many entries, or twice in one ({@link EventCodec#knownFieldName}):
 * copy the names before making them the keys of a map, as byte arrays go by identity.
 */
public final class FieldList extends AbstractMap<byte[], byte[]> {

    private final byte[][] namesAndValues;
    private final int size;
    private final long wireBytes;
    private final long heldBytes;

    /** A whole entry's fields: name, value, name, value, ...; only the first {@code 2 * size} are used. */
    public FieldList(byte[][] namesAndValues, int size) {
        this(namesAndValues, size, measure(namesAndValues, size), measure(namesAndValues, size));
    }

    private static long measure(byte[][] namesAndValues, int size) {
        long bytes = 0;
        for (int i = 0; i < 2 * size; i++) {
            bytes += namesAndValues[i].length;
        }
        return bytes;
    }

    /**
     * @param namesAndValues name, value, name, value, ...; only its first {@code 2 * size} are used
     * @param wireBytes the size of all the entry's field names and values as Redis sent them
     * @param heldBytes the size of those kept here: less than {@code wireBytes} when fields of an
     *     entry over consumer.max-event-bytes were dropped while decoding
     */
    public FieldList(byte[][] namesAndValues, int size, long wireBytes, long heldBytes) {
        this.namesAndValues = namesAndValues;
        this.size = size;
        this.wireBytes = wireBytes;
        this.heldBytes = heldBytes;
    }

    /** The entry's size in Redis, the measure of consumer.max-event-bytes. */
    public long wireBytes() {
        return wireBytes;
    }

    /** The bytes of field names and values this list holds. */
    public long heldBytes() {
        return heldBytes;
    }

    /** Whether fields were dropped: the entry is over consumer.max-event-bytes and only partly here. */
    public boolean truncated() {
        return heldBytes < wireBytes;
    }

    @Override
    public int size() {
        return size;
    }

    /** The name of field {@code i} (0 .. size - 1): for a walk without an entry object per field. */
    public byte[] name(int i) {
        return namesAndValues[2 * Objects.checkIndex(i, size)];
    }

    /** The value of field {@code i} (0 .. size - 1). */
    public byte[] value(int i) {
        return namesAndValues[2 * Objects.checkIndex(i, size) + 1];
    }

    /**
     * The fields as a list: {@code fields} itself when it is one (every entry the reader decodes),
     * else a copy in its iteration order, a null value as an empty one.
     */
    public static FieldList of(Map<byte[], byte[]> fields) {
        if (fields instanceof FieldList f) {
            return f;
        }
        byte[][] namesAndValues = new byte[2 * fields.size()][];
        int i = 0;
        for (Map.Entry<byte[], byte[]> field : fields.entrySet()) {
            namesAndValues[i++] = field.getKey();
            namesAndValues[i++] = field.getValue() == null ? new byte[0] : field.getValue();
        }
        return new FieldList(namesAndValues, i / 2);
    }

    @Override
    public Set<Map.Entry<byte[], byte[]>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Map.Entry<byte[], byte[]>> iterator() {
                return new Iterator<>() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < size;
                    }

                    @Override
                    public Map.Entry<byte[], byte[]> next() {
                        if (next >= size) {
                            throw new NoSuchElementException();
                        }
                        int at = 2 * next++;
                        return new SimpleImmutableEntry<>(namesAndValues[at], namesAndValues[at + 1]);
                    }
                };
            }
        };
    }
}
