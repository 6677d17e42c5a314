package dev.eventbus.runtime.metrics;

import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
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
        return new Timer(new ThinnedReservoir(LockFreeExponentiallyDecayingReservoir.builder().build()));
    }
}
