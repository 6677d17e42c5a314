package dev.eventbus.runtime.consumer;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * An entry's fields as read, in order: names and values side by side in one array. A map only in
 * name: byte-array keys have no useful lookup, so nothing is hashed, and every field is kept, even
 * one whose name repeats.
 *
 * <p>Immutable once built; its arrays are handed out as they are and must not be changed.
 */
final class FieldList extends AbstractMap<byte[], byte[]> {

    private final byte[][] namesAndValues;
    private final int size;

    /** @param namesAndValues name, value, name, value, ...; only its first {@code 2 * size} are used */
    FieldList(byte[][] namesAndValues, int size) {
        this.namesAndValues = namesAndValues;
        this.size = size;
    }

    @Override
    public int size() {
        return size;
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
