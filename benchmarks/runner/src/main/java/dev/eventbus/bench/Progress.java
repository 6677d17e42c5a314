package dev.eventbus.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
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
    private volatile long warmAt;
    private volatile long warmCpu;
    /** Half of the target: where the last half of a drain starts ({@link #lateAt}). */
    private final long lateMark;

    private volatile long lateAt;
    private volatile long lateCpu;
    private volatile long targetAt;
    private final Histogram latency = new Histogram(3);
    private volatile long windowFrom = Long.MAX_VALUE;
    private volatile long windowTo = Long.MIN_VALUE;
    private final Coverage coverage;

    /**
     * @param warmMark the count after which throughput is measured
     * @param target the count that ends the run
     * @param coverage where handled events are recorded, or {@code null} (latency runs)
     */
    Progress(long warmMark, long target, Coverage coverage) {
        this.warmMark = warmMark;
        this.target = target;
        this.lateMark = target / 2;
        this.coverage = coverage;
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

    /** Whether the marks were timed; guarded by this. */
    private boolean warmTimed;

    private boolean lateTimed;

    private boolean targetTimed;

    private synchronized void marks(long after, long now) {
        if (!warmTimed && after >= warmMark) {
            warmTimed = true;
            warmAt = now;
            warmCpu = Probe.cpuNanos();
        }
        if (!lateTimed && after >= lateMark) {
            lateTimed = true;
            lateAt = now;
            lateCpu = Probe.cpuNanos();
        }
        if (!targetTimed && after >= target) {
            targetTimed = true;
            targetAt = now;
        }
        long next = after + CHECK_EVERY;
        if (!warmTimed) {
            next = Math.min(next, warmMark);
        }
        if (!lateTimed) {
            next = Math.min(next, lateMark);
        }
        if (!targetTimed) {
            next = Math.min(next, target);
        }
        nextCheck = Math.max(nextCheck, next);
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
        return warmAt;
    }

    long warmCpu() {
        return warmCpu;
    }

    /** When half of the target was done: the last half of a drain, long after the JIT's warm-up, starts. */
    long lateAt() {
        return lateAt;
    }

    long lateCpu() {
        return lateCpu;
    }

    long targetAt() {
        return targetAt;
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
