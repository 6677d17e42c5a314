package dev.eventbus.bench;

import java.io.BufferedOutputStream;
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
 * Which of a drain's events a consumer handled, by index ({@link Wire#index}): a count per event,
 * so that a drain can prove it lost nothing and count what it handled twice, also across the
 * processes of a pair ({@link #write}, {@link #read}: one bit per event). With repeating subjects it also checks that
 * each subject's events were handled in stream order: an event handled after a later one of its
 * subject counts as out of order.
 *
 * <p>Costs two atomic adds (the event's count, the total) and, with subjects, one atomic max per
 * event, the same for both systems. Thread-safe.
 */
final class Coverage {

    private final long events;
    /** How many times event {@code i} was handled; counted through {@link #COUNTS}. */
    private final int[] counts;

    /**
     * One atomic add per event (a single {@code lock xadd} on x86). Not a bit set: its OR (or an
     * {@code AtomicLongArray.getAndAccumulate}) is a compare-and-set loop whose retry branch, two
     * workers racing for one word, the JIT compiles out as never taken; taken once in a measured
     * window, it threw the whole inlined event path of Eventbus's worker away (twice seen with
     * {@code -XX:+LogCompilation}, a second of C2 time each), where the reference's loop lost
     * only its own small method: the oracle cost one system more than the other.
     */
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(int[].class);
    /** Per subject, the highest index handled so far; null when no subject repeats. */
    private final AtomicLongArray newest;

    private final long subjects;
    private final AtomicLong handled = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();

    /** @param subjects the stream's subjects (0: one per event, nothing to order) */
    Coverage(long events, long subjects) {
        if (events > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many events to cover: " + events);
        }
        this.events = events;
        this.counts = new int[(int) events];
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
        if ((int) COUNTS.getAndAdd(counts, (int) index, 1) != 0) {
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
        for (int i = 0; i < counts.length; i++) {
            if ((int) COUNTS.getVolatile(counts, i) != 0) {
                n++;
            }
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

    /** Writes one bit per event (handled at least once), for the process that merges a pair's coverage. */
    void write(Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.writeLong(events);
            for (int w = 0; w < (events + 63) / 64; w++) {
                long word = 0;
                for (int b = 0; b < 64 && w * 64L + b < events; b++) {
                    if ((int) COUNTS.getVolatile(counts, w * 64 + b) != 0) {
                        word |= 1L << b;
                    }
                }
                out.writeLong(word);
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
