package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.EWMA;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MovingAverages;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A meter's 1, 5 and 15 minute rates fed from its count once per tick (5 s), instead of by three
 * striped adds per mark: a mark then costs the meter's own count and a clock read. The rates are
 * those of Dropwizard's {@code ExponentialMovingAverages}: each tick folds in what was marked since
 * the one before (there the sum of the per-mark adds, here the difference of the count), and ticks
 * missed while nothing asked are made up with nothing marked.
 *
 * <p>Thread-safe: one thread wins each tick, as in Dropwizard's.
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

    @Override
    public void tickIfNecessary() {
        long oldTick = lastTick.get();
        long newTick = clock.getTick();
        long age = newTick - oldTick;
        if (age > TICK_INTERVAL && lastTick.compareAndSet(oldTick, newTick - age % TICK_INTERVAL)) {
            long now = count.getAsLong();
            long marked = now - folded;
            folded = now;
            m1.update(marked);
            m5.update(marked);
            m15.update(marked);
            for (long i = age / TICK_INTERVAL; i > 0; i--) {
                m1.tick();
                m5.tick();
                m15.tick();
            }
        }
    }

    @Override
    public double getM1Rate() {
        return m1.getRate(TimeUnit.SECONDS);
    }

    @Override
    public double getM5Rate() {
        return m5.getRate(TimeUnit.SECONDS);
    }

    @Override
    public double getM15Rate() {
        return m15.getRate(TimeUnit.SECONDS);
    }
}
