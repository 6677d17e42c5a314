package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;

/**
 * A histogram of a timer that counts the same events as a meter: its count is the meter's, so an
 * update only feeds the (thinned) reservoir, without a striped add of its own per event.
 *
 * <p>Thread-safe.
 */
final class MeterCountedHistogram extends Histogram {

    private final Meter meter;
    private final ThinnedReservoir reservoir;

    MeterCountedHistogram(Meter meter, ThinnedReservoir reservoir) {
        super(reservoir);
        this.meter = meter;
        this.reservoir = reservoir;
    }

    /** Counted by the meter, marked elsewhere: only the value is kept, when the reservoir takes one. */
    @Override
    public void update(long value) {
        reservoir.update(value);
    }

    @Override
    public void update(int value) {
        update((long) value);
    }

    @Override
    public long getCount() {
        return meter.getCount();
    }

    /** Whether a value is kept now; then give it to {@link #record}, else do not compute it. */
    boolean sampleDue() {
        return reservoir.due();
    }

    /** The value {@link #sampleDue} asked for. */
    void record(long value) {
        reservoir.take(value);
    }
}
