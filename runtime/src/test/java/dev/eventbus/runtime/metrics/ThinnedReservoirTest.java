package dev.eventbus.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Timer;
import com.codahale.metrics.UniformReservoir;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThinnedReservoirTest {

    @Test
    void aBurstReachesTheReservoirThinnedWhileTheCountStaysExact() {
        UniformReservoir inner = new UniformReservoir(100_000);
        Timer timer = new Timer(new ThinnedReservoir(inner));
        long start = System.nanoTime();
        for (int i = 0; i < 50_000; i++) {
            timer.update(i, TimeUnit.NANOSECONDS);
        }
        long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1);
        assertEquals(50_000, timer.getCount());
        assertTrue(inner.size() >= 1, "the first value always passes");
        assertTrue(
                inner.size() <= ThinnedReservoir.MAX_PER_SECOND * seconds + 1,
                "at most " + ThinnedReservoir.MAX_PER_SECOND + "/s reach the reservoir, got " + inner.size());
    }

    @Test
    void slowUpdatesAllReachTheReservoir() throws InterruptedException {
        UniformReservoir inner = new UniformReservoir(100);
        ThinnedReservoir thinned = new ThinnedReservoir(inner);
        for (int i = 1; i <= 5; i++) {
            thinned.update(i * 1000L);
            Thread.sleep(2); // over the 1 ms gap
        }
        assertEquals(5, inner.size());
        assertEquals(5000, thinned.getSnapshot().getMax());
    }
}
