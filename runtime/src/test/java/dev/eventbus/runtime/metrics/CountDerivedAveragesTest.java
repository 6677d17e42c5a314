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
    void ratesAreDropwizardsForTheSameMarks() {
        ManualClock clock = new ManualClock();
        Meter dropwizard = new Meter(new ExponentialMovingAverages(clock), clock);
        Meter derived = CountDerivedAverages.meter(clock);
        long[][] rounds = {{1_000, 6}, {250, 5}, {0, 31}, {4_000, 1}, {17, 300}};
        for (long[] round : rounds) {
            for (int i = 0; i < round[0]; i++) {
                dropwizard.mark();
                derived.mark();
            }
            clock.advanceSeconds(round[1]);
            assertEquals(dropwizard.getOneMinuteRate(), derived.getOneMinuteRate(), 1e-12);
            assertEquals(dropwizard.getFiveMinuteRate(), derived.getFiveMinuteRate(), 1e-12);
            assertEquals(dropwizard.getFifteenMinuteRate(), derived.getFifteenMinuteRate(), 1e-12);
            assertEquals(dropwizard.getCount(), derived.getCount());
        }
        assertTrue(derived.getFifteenMinuteRate() > 0, "the rates moved");
    }
}
