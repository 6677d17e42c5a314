package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.EWMA;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MovingAverages;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A meter's 1, 5 and 15 minute rates fed from its count, brought up to date when they are read,
 * instead of by three striped adds, a clock read and a tick check per mark: a mark then costs the
 * meter's own count alone. The rates are those of Dropwizard's {@code ExponentialMovingAverages}:
 * each 5 s tick folds in what was marked in it (there the sum of the per-mark adds, here the
 * difference of the count).
 *
 * <p>Ticking on the mark path had a second cost besides the clock read: the tick is due once in
 * 5 s, so the JIT compiled the event path without it, and the first tick threw that compiled code
 * away (a deoptimisation of the worker's whole inlined path, a second of C2 time on a 2-core box).
 *
 * <p>When a read finds several ticks due, it cannot know when in that time the marks fell; it
 * spreads them evenly over those ticks, which is exact for a steady rate and for reads at least
 * once per tick (a JMX console's polling), and otherwise smooths a burst over the gap between reads.
 *
 * <p>Thread-safe: ticks are folded under a lock, taken by reads only.
 */
final class CountDerivedAverages implements MovingAverages {

    private static final long TICK_INTERVAL = TimeUnit.SECONDS.toNanos(5);

    private final EWMA m1 = EWMA.oneMinuteEWMA();
    private final EWMA m5 = EWMA.fiveMinuteEWMA();
    private final EWMA m15 = EWMA.fifteenMinuteEWMA();
    private final Clock clock;
    private final AtomicLong lastTick;
    private volatile LongSupplier count = () -> 0;
    /** The count folded into the rates so far; written by the thread that won the tick. */
    private volatile long folded;

    private CountDerivedAverages(Clock clock) {
        this.clock = clock;
        this.lastTick = new AtomicLong(clock.getTick());
    }

    /** A meter whose rates come from its count ({@link Meter#mark} adds to the count only). */
    static Meter meter() {
        return meter(Clock.defaultClock());
    }

    static Meter meter(Clock clock) {
        CountDerivedAverages averages = new CountDerivedAverages(clock);
        Meter meter = new Meter(averages, clock);
        averages.count = meter::getCount;
        return meter;
    }

    @Override
    public void update(long n) {
        // Nothing per mark: the next tick reads the meter's count.
    }

    /** Called by every mark and every read of the meter: nothing here, the reads of a rate tick. */
    @Override
    public void tickIfNecessary() {}

    /**
     * Locked: a reader that lost the tick would otherwise return rates the winner has not folded
     * yet, and a winner stalled past the next tick could fold the same marks twice. Only reads
     * call it, so the mark path takes no lock.
     */
    private synchronized void tick() {
        long oldTick = lastTick.get();
        long newTick = clock.getTick();
        long age = newTick - oldTick;
        if (age > TICK_INTERVAL && lastTick.compareAndSet(oldTick, newTick - age % TICK_INTERVAL)) {
            long now = count.getAsLong();
            long marked = now - folded;
            folded = now;
            long ticks = age / TICK_INTERVAL;
            for (long i = 0; i < ticks; i++) {
                // The marks spread evenly, the remainder on the first ticks: whole events per tick.
                long share = marked / ticks + (i < marked % ticks ? 1 : 0);
                m1.update(share);
                m5.update(share);
                m15.update(share);
                m1.tick();
                m5.tick();
                m15.tick();
            }
        }
    }

    @Override
    public double getM1Rate() {
        tick();
        return m1.getRate(TimeUnit.SECONDS);
    }

    @Override
    public double getM5Rate() {
        tick();
        return m5.getRate(TimeUnit.SECONDS);
    }

    @Override
    public double getM15Rate() {
        tick();
        return m15.getRate(TimeUnit.SECONDS);
    }
}
