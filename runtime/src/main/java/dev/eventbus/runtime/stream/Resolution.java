package dev.eventbus.runtime.stream;

/**
 * Told once when a failed entry has been dealt with: {@code resolved} is true when its outcome is
 * final (dead letter stored and acknowledged), false when it stays pending (a retry is scheduled,
 * or the dead letter could not be written). Ordering lanes wait for a final outcome.
 */
@FunctionalInterface
public interface Resolution {

    void done(boolean resolved);

    /** A resolution that only frees the worker slot. */
    static Resolution releasing(Runnable release) {
        return resolved -> release.run();
    }
}
