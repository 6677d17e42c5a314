package dev.eventbus.runtime.ops;

/** Keeps an operation at or under a rate: {@link #acquire()} sleeps as needed. Single-threaded. */
final class Pacer {

    private final long nanosPerPermit;
    private long next = System.nanoTime();

    /** @param perSecond 0 or less = unlimited */
    Pacer(double perSecond) {
        this.nanosPerPermit = perSecond <= 0 ? 0 : (long) (1_000_000_000L / perSecond);
    }

    void acquire() throws InterruptedException {
        if (nanosPerPermit == 0) {
            return;
        }
        long now = System.nanoTime();
        if (next > now) {
            long wait = next - now;
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        next = Math.max(next, now) + nanosPerPermit;
    }
}
