package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Timer;

/**
 * Timers for the event path. The default reservoir takes a lock per update; the lock-free one
 * does not, but inserts into a skip list, the dearest step of a fast event. It keeps only 1,028
 * samples anyway, so it is fed at most {@link ThinnedReservoir#MAX_PER_SECOND} per second; counts
 * and rates stay exact.
 */
final class Timers {

    private Timers() {}

    static Timer lockFree() {
        return new Timer(lockFreeReservoir());
    }

    /**
     * A timer whose count and rates are those of {@code meter}, marked elsewhere or by this timer's
     * updates: for a timer that counts the same events as a meter already does.
     */
    static Timer counting(Meter meter, Histogram durationsNanos) {
        return new Timer(meter, durationsNanos, Clock.defaultClock());
    }

    /** The durations, in nanoseconds, of a timer counted by {@code meter} ({@link #counting}). */
    static MeterCountedHistogram countedBy(Meter meter) {
        return new MeterCountedHistogram(meter, lockFreeReservoir());
    }

    private static ThinnedReservoir lockFreeReservoir() {
        return new ThinnedReservoir(
                LockFreeExponentiallyDecayingReservoir.builder().build());
    }
}
