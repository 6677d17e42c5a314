package dev.eventbus.runtime.stream;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The field-name prefix {@code eventbus-} belongs to the runtime. A producer's field with that
 * prefix (other than a routing marker, {@link WireFields#ROUTING}) is stored in a dead letter kept
 * apart, as {@code original.<name>}, so the provenance the runtime adds is the only
 * {@code eventbus-} field of its name there; a redrive gives it back its own name. A producer name
 * that already reads {@code original.eventbus-...} gets one more {@code original.} the same way, so
 * every name comes back exactly as the producer wrote it.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReservedNames {

    public static final String PREFIX = WireFields.RESERVED_PREFIX;
    public static final String KEPT_APART = "original.";

    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEPT_APART_BYTES = KEPT_APART.getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] ROUTING = WireFields.ROUTING.stream()
            .map(n -> n.getBytes(StandardCharsets.US_ASCII))
            .toArray(byte[][]::new);

    private ReservedNames() {}

    /** The name a producer's field is stored under in a dead letter (the same array when it is not reserved). */
    public static byte[] keptApart(byte[] name) {
        if (!reserved(name, 0) || isRouting(name)) {
            return name;
        }
        byte[] renamed = Arrays.copyOf(KEPT_APART_BYTES, KEPT_APART_BYTES.length + name.length);
        System.arraycopy(name, 0, renamed, KEPT_APART_BYTES.length, name.length);
        return renamed;
    }

    /** The producer's own name of a field stored by {@link #keptApart} (the same array for any other name). */
    public static byte[] restored(byte[] stored) {
        if (!startsWith(stored, 0, KEPT_APART_BYTES) || !reserved(stored, KEPT_APART_BYTES.length)) {
            return stored;
        }
        return Arrays.copyOfRange(stored, KEPT_APART_BYTES.length, stored.length);
    }

    /** Whether the name from {@code offset} reads {@code (original.)*eventbus-...}. */
    private static boolean reserved(byte[] name, int offset) {
        int at = offset;
        while (startsWith(name, at, KEPT_APART_BYTES)) {
            at += KEPT_APART_BYTES.length;
        }
        return startsWith(name, at, PREFIX_BYTES);
    }

    private static boolean isRouting(byte[] name) {
        for (byte[] routing : ROUTING) {
            if (Arrays.equals(routing, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(byte[] name, int offset, byte[] prefix) {
        return name.length - offset >= prefix.length
                && Arrays.equals(name, offset, offset + prefix.length, prefix, 0, prefix.length);
    }
}
