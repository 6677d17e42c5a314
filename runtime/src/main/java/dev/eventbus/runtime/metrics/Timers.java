package dev.eventbus.runtime.metrics;

import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.Timer;

/** Timers for the event path: the default reservoir takes a lock per update, this one does not. */
final class Timers {

    private Timers() {}

    static Timer lockFree() {
        return new Timer(LockFreeExponentiallyDecayingReservoir.builder().build());
    }
}
