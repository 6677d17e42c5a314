package dev.eventbus.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.HdrHistogram.Histogram;

/**
 * What a consumer under test reports, whichever it is: how many events are done, when the count
 * crossed the warm-up mark and the target, which events were handled (a drain's {@link Coverage}),
 * and the XADD-to-handled latency of the events whose producer timestamp falls in the measured
 * window. Thread-safe.
 */
final class Progress {

    private final AtomicLong done = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final long warmMark;
    private final long target;
    /** Half of the target: where the last half of a drain starts ({@link #lateAt}). */
    private final long lateMark;

    /** The counts whose crossing is timed, ascending; guarded by this, as the two arrays below. */
    private final long[] marks;

    private final long[] markedAt;
    private final long[] markedCpu;
    /** How many of {@link #marks} are timed; guarded by this. */
    private int timed;

    private final Histogram latency = new Histogram(3);
    private volatile long windowFrom = Long.MAX_VALUE;
    private volatile long windowTo = Long.MIN_VALUE;
    private final Coverage coverage;

    /**
     * @param warmMark the count after which throughput is measured
     * @param target the count that ends the run
     * @param coverage where handled events are recorded, or {@code null} (latency runs)
     * @param more further counts whose crossing is timed ({@link #at}, {@link #cpuAt})
     */
    Progress(long warmMark, long target, Coverage coverage, long... more) {
        this.warmMark = warmMark;
        this.target = target;
        this.lateMark = target / 2;
        this.coverage = coverage;
        this.marks = LongStream.concat(LongStream.of(warmMark, lateMark, target), LongStream.of(more))
                .sorted()
                .distinct()
                .toArray();
        this.markedAt = new long[marks.length];
        this.markedCpu = new long[marks.length];
        this.nextCheck = marks[0];
    }

    /**
     * {@code n} more events are done (handled, or acknowledged, as the consumer defines).
     *
     * <p>Called per event by Eventbus's observer, so the JIT inlines it into the event path: a
     * branch taken only at the warm-up mark would be compiled out and, taken there, throw the
     * worker's compiled code away at the start of the measured window (seen in the cluster drain).
     * So the marks are looked at on a branch taken every {@value #CHECK_EVERY} events, which is
     * in every profile; each mark is timed by the first call that sees the count past it.
     */
    void add(int n, long now) {
        long after = done.addAndGet(n);
        if (after >= nextCheck) {
            marks(after, now);
        }
    }

    private static final long CHECK_EVERY = 256;

    /** The count at which {@link #add} looks at the marks next: never past a mark not yet timed. */
    private volatile long nextCheck;

    private synchronized void marks(long after, long now) {
        while (timed < marks.length && after >= marks[timed]) {
            markedAt[timed] = now;
            markedCpu[timed] = Probe.cpuNanos();
            timed++;
        }
        long next = after + CHECK_EVERY;
        if (timed < marks.length) {
            next = Math.min(next, marks[timed]);
        }
        nextCheck = Math.max(nextCheck, next);
    }

    /** When the count crossed {@code mark} (one given to the constructor), in nanoTime; 0 while it has not. */
    synchronized long at(long mark) {
        return markedAt[index(mark)];
    }

    /** The process's CPU time ({@link Probe#cpuNanos}) when the count crossed {@code mark}. */
    synchronized long cpuAt(long mark) {
        return markedCpu[index(mark)];
    }

    private int index(long mark) {
        int i = Arrays.binarySearch(marks, mark);
        if (i < 0) {
            throw new IllegalArgumentException("no mark at " + mark);
        }
        return i;
    }

    /**
     * Event {@code index} ({@link Wire#index}) was handled: recorded in the coverage, and its
     * latency when its producer timestamp ({@code -1}: none) is in the window.
     */
    void handled(long index, long producedAt, long now) {
        if (coverage != null) {
            coverage.handled(index);
        }
        if (producedAt >= windowFrom && producedAt < windowTo) {
            synchronized (latency) {
                latency.recordValue(Math.max(0, now - producedAt));
            }
        }
    }

    void error() {
        errors.incrementAndGet();
    }

    /** Events produced in [from, to) (nanoTime) are recorded from now on. */
    void window(long from, long to) {
        windowFrom = from;
        windowTo = to;
    }

    long done() {
        return done.get();
    }

    long errors() {
        return errors.get();
    }

    long warmAt() {
        return at(warmMark);
    }

    long warmCpu() {
        return cpuAt(warmMark);
    }

    /** When half of the target was done: the last half of a drain, long after the JIT's warm-up, starts. */
    long lateAt() {
        return at(lateMark);
    }

    long lateCpu() {
        return cpuAt(lateMark);
    }

    long targetAt() {
        return at(target);
    }

    /** The coverage given to the constructor, or {@code null}. */
    Coverage coverage() {
        return coverage;
    }

    Histogram latency() {
        synchronized (latency) {
            return latency.copy();
        }
    }

    /** Waits until at least {@code count} events are done. */
    void await(long count, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (done.get() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": only " + done.get() + " of " + count + " events done after "
                        + timeout.toSeconds() + " s (" + errors.get() + " errors)");
            }
            Thread.sleep(1);
        }
    }
}
