package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Clock;
import com.codahale.metrics.ExponentialMovingAverages;
import com.codahale.metrics.Meter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CountDerivedAveragesTest {

    private static final class ManualClock extends Clock {
        long nanos = TimeUnit.HOURS.toNanos(1);

        @Override
        public long getTick() {
            return nanos;
        }

        void advanceSeconds(long seconds) {
            nanos += TimeUnit.SECONDS.toNanos(seconds);
        }
    }

    @Test
    void readEverySecondTheRatesAreDropwizardsForTheSameMarks() {
        ManualClock clock = new ManualClock();
        Meter dropwizard = new Meter(new ExponentialMovingAverages(clock), clock);
        Meter derived = CountDerivedAverages.meter(clock);
        long[] perSecond = {1_000, 0, 250, 4_000, 17, 0, 0, 90, 3, 700};
        for (int second = 0; second < 200; second++) {
            for (long i = perSecond[second % perSecond.length] + second; i > 0; i--) {
                dropwizard.mark();
                derived.mark();
            }
            clock.advanceSeconds(1);
            assertEquals(dropwizard.getOneMinuteRate(), derived.getOneMinuteRate(), 1e-9, "second " + second);
            assertEquals(dropwizard.getFiveMinuteRate(), derived.getFiveMinuteRate(), 1e-9);
            assertEquals(dropwizard.getFifteenMinuteRate(), derived.getFifteenMinuteRate(), 1e-9);
            assertEquals(dropwizard.getCount(), derived.getCount());
        }
        assertTrue(derived.getFifteenMinuteRate() > 0, "the rates moved");
    }

    @Test
    void readRarelyASteadyRateComesOutAsItself() {
        ManualClock clock = new ManualClock();
        Meter dropwizard = new Meter(new ExponentialMovingAverages(clock), clock);
        Meter derived = CountDerivedAverages.meter(clock);
        for (int second = 0; second < 120; second++) { // read once, after two minutes
            for (int i = 0; i < 300; i++) {
                dropwizard.mark();
                derived.mark();
            }
            clock.advanceSeconds(1);
        }
        // Folded at the read, evenly over the 24 ticks: the steady rate itself. Dropwizard's, which
        // ticked on the marks, is off it (its first tick took 6 s of marks: 360/s, which the
        // 15-minute rate still shows after two minutes), so the two agree closely on 1 minute only.
        assertEquals(300.0, derived.getOneMinuteRate(), 1e-9);
        assertEquals(300.0, derived.getFiveMinuteRate(), 1e-9);
        assertEquals(300.0, derived.getFifteenMinuteRate(), 1e-9);
        assertEquals(dropwizard.getOneMinuteRate(), derived.getOneMinuteRate(), 300 * 0.05);
    }

    @Test
    void aMarkNeitherReadsTheClockNorTicks() {
        boolean[] marking = {false};
        Clock refusing = new Clock() {
            @Override
            public long getTick() {
                if (marking[0]) {
                    throw new AssertionError("the clock was read by a mark");
                }
                return 0;
            }
        };
        Meter derived = CountDerivedAverages.meter(refusing); // reads it for its start times
        marking[0] = true;
        for (int i = 0; i < 1_000; i++) {
            derived.mark();
        }
        assertEquals(1_000, derived.getCount());
    }
}
