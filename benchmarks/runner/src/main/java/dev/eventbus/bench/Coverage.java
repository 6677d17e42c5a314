package dev.eventbus.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which of a drain's events a consumer handled, by index ({@link Wire#index}): one bit per event,
 * so that a drain can prove it lost nothing and count what it handled twice, also across the
 * processes of a pair ({@link #write}, {@link #read}). With repeating subjects it also checks that
 * each subject's events were handled in stream order: an event handled after a later one of its
 * subject counts as out of order.
 *
 * <p>Costs one atomic bit-or and, with subjects, one atomic swap per event, the same for both
 * systems. Thread-safe.
 */
final class Coverage {

    private final long events;
    /** Bit {@code i % 64} of word {@code i / 64}: event {@code i}; set through {@link #WORDS}. */
    private final long[] bits;

    /**
     * One atomic OR per event, instead of {@code AtomicLongArray.getAndAccumulate} with a lambda,
     * whose retry branch (two workers racing for a word) was compiled out by the JIT and, once
     * taken, threw the worker's compiled code away in the middle of a measured window (seen with
     * {@code -XX:+LogCompilation}). The JDK may still implement the OR as a compare-and-set loop;
     * it was not seen to trap since.
     */
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Per subject, the highest index handled so far; null when no subject repeats. */
    private final AtomicLongArray newest;

    private final long subjects;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();

    /** @param subjects the stream's subjects (0: one per event, nothing to order) */
    Coverage(long events, long subjects) {
        if (events > Integer.MAX_VALUE * 64L) {
            throw new IllegalArgumentException("too many events to cover: " + events);
        }
        this.events = events;
        this.bits = new long[(int) ((events + 63) / 64)];
        this.subjects = subjects;
        if (subjects > 0 && subjects < events) {
            newest = new AtomicLongArray((int) subjects);
            for (int s = 0; s < subjects; s++) {
                newest.set(s, -1);
            }
        } else {
            newest = null;
        }
    }

    /** Event {@code index} was handled (successfully) once more. */
    void handled(long index) {
        handled.incrementAndGet();
        if (index < 0 || index >= events) {
            foreign.incrementAndGet();
            return;
        }
        long bit = 1L << (index & 63);
        if (((long) WORDS.getAndBitwiseOr(bits, (int) (index >>> 6), bit) & bit) != 0) {
            duplicates.incrementAndGet();
        }
        if (newest != null) {
            int subject = (int) (index % subjects);
            if (newest.getAndAccumulate(subject, index, Math::max) > index) {
                outOfOrder.incrementAndGet();
            }
        }
    }

    /** Handled events, duplicates included. */
    long handled() {
        return handled.get();
    }

    /** Distinct events of the drain handled. */
    long distinct() {
        long n = 0;
        for (int i = 0; i < bits.length; i++) {
            n += Long.bitCount((long) WORDS.getVolatile(bits, i));
        }
        return n;
    }

    long duplicates() {
        return duplicates.get();
    }

    long outOfOrder() {
        return outOfOrder.get();
    }

    /** Handled events that are not events of the drain (an id of another form or out of range). */
    long foreign() {
        return foreign.get();
    }

    /** Writes the bits, for the process that merges a pair's coverage. */
    void write(Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
            out.writeLong(events);
            for (int i = 0; i < bits.length; i++) {
                out.writeLong((long) WORDS.getVolatile(bits, i));
            }
        }
    }

    /** The bits {@link #write} wrote: bit {@code i} of word {@code i / 64} is event {@code i}. */
    static long[] read(Path file, long events) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            long written = in.readLong();
            if (written != events) {
                throw new IllegalStateException(file + " covers " + written + " events, expected " + events);
            }
            long[] words = new long[(int) ((events + 63) / 64)];
            for (int i = 0; i < words.length; i++) {
                words[i] = in.readLong();
            }
            return words;
        }
    }
}
