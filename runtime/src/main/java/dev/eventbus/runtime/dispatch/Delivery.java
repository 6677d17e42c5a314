package dev.eventbus.runtime.dispatch;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One entry on its way through a handler, as the timeout watchdog sees it. The outcome is decided
 * exactly once ({@link #decide()}): by the worker when the handler returns, or by the watchdog when
 * the worker ignored its interrupt and was abandoned.
 */
final class Delivery {

    private final AtomicBoolean decided = new AtomicBoolean();
    private volatile Thread assigned;
    private volatile Thread worker;
    private volatile long startNanos;
    private volatile long timeoutNanos;
    private volatile long abandonNanos;
    private volatile boolean interrupted;
    private volatile Runnable onAbandon;
    private long endNanos;

    /** A worker took the entry (it may still wait for a permit to run the handler). */
    void assigned(Thread thread) {
        this.assigned = thread;
    }

    /** Shutdown: interrupts the worker, running or waiting. */
    void interrupt() {
        Thread t = assigned;
        if (t != null) {
            t.interrupt();
        }
    }

    /** The worker starts the handler; from now on the watchdog times it. */
    void started(Thread thread, long now, long timeout, long abandonAfter, Runnable abandon) {
        this.startNanos = now;
        this.timeoutNanos = timeout;
        this.abandonNanos = abandonAfter;
        this.onAbandon = abandon;
        this.worker = thread;
    }

    /**
     * The handler returned (or threw); the watchdog leaves the worker alone. Locked with
     * {@link #check}: once this returns, no timeout interrupt of this delivery can reach the
     * worker, which goes on to other entries.
     */
    synchronized void finished(long now) {
        endNanos = now;
        worker = null;
    }

    /** How long the handler ran; read by the worker after {@link #finished}. */
    long elapsedNanos() {
        return endNanos - startNanos;
    }

    /** @return true for the one caller that decides the outcome */
    boolean decide() {
        return decided.compareAndSet(false, true);
    }

    boolean wasInterrupted() {
        return interrupted;
    }

    /** Called by the watchdog: interrupts past the timeout, abandons past timeout + abandon-after. */
    void check(long now) {
        Thread t = worker;
        if (t == null) {
            return;
        }
        long elapsed = now - startNanos;
        if (elapsed > timeoutNanos && !interrupted) {
            synchronized (this) {
                if (worker == t) {
                    interrupted = true;
                    t.interrupt();
                }
            }
        }
        if (elapsed > timeoutNanos + abandonNanos && worker != null && decide()) {
            onAbandon.run();
        }
    }
}
