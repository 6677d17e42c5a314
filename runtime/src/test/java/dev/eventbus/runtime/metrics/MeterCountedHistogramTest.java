package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Meter;
import com.codahale.metrics.Timer;
import com.codahale.metrics.UniformReservoir;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MeterCountedHistogramTest {

    @Test
    void aTimerOnItCountsEachEventOnceThroughTheMeter() {
        Meter handled = new Meter();
        UniformReservoir inner = new UniformReservoir(100_000);
        MeterCountedHistogram durations = new MeterCountedHistogram(handled, new ThinnedReservoir(inner));
        Timer timer = Timers.counting(handled, durations);
        for (int i = 0; i < 10_000; i++) {
            timer.update(5, TimeUnit.NANOSECONDS);
        }
        assertEquals(10_000, handled.getCount(), "the timer marks the meter");
        assertEquals(10_000, timer.getCount(), "and counts through it, not a count of its own");
        assertEquals(10_000, durations.getCount());
        assertTrue(inner.size() >= 1 && inner.size() < 10_000, "values reach the reservoir thinned: " + inner.size());
    }

    @Test
    void aValueIsAskedForOnlyWhenTheReservoirKeepsIt() {
        Meter handled = new Meter();
        UniformReservoir inner = new UniformReservoir(100);
        MeterCountedHistogram ages = new MeterCountedHistogram(handled, new ThinnedReservoir(inner));
        assertTrue(ages.sampleDue(), "the first value is kept");
        ages.record(42);
        assertEquals(false, ages.sampleDue(), "the next one within the gap is not");
        assertEquals(1, inner.size());
        assertEquals(42, ages.getSnapshot().getMax());
    }
}
