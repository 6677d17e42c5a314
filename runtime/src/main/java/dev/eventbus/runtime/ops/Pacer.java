package dev.eventbus.runtime.ops;

/**
 * Keeps an operation at or under a rate: {@link #acquire} sleeps as needed. Single-threaded.
 *
 * <p>The wait looks at its {@link StopRequest} every 100 ms: at a low {@code --rate} one wait is
 * long (10 s at 0.1 per second), and a Ctrl-C must not sit it out.
 */
final class Pacer {

    private static final long SLICE_NANOS = 100_000_000L;

    private final long nanosPerPermit;
    private long next = System.nanoTime();

    /** @param perSecond 0 or less = unlimited */
    Pacer(double perSecond) {
        this.nanosPerPermit = perSecond <= 0 ? 0 : (long) (1_000_000_000L / perSecond);
    }

    /** @return false when a stop was asked for meanwhile (no permit taken), else true */
    boolean acquire(StopRequest stop) throws InterruptedException {
        if (nanosPerPermit == 0) {
            return stop.stoppedBy() == null;
        }
        long now = System.nanoTime();
        while (next > now) {
            if (stop.stoppedBy() != null) {
                return false;
            }
            long wait = Math.min(next - now, SLICE_NANOS);
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            now = System.nanoTime();
        }
        if (stop.stoppedBy() != null) {
            return false;
        }
        next = Math.max(next, now) + nanosPerPermit;
        return true;
    }
}
