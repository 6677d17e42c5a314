package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * The longest wait of a subscription's read loop between two rounds after repeated failures, which
 * {@code admin.stall-timeout} must outlast (with a command's timeout), else liveness fails while the
 * loop only waits. Here, not in the reader, so that the config check and the loop share one value;
 * the other loops' {@code internal.Loop.MAX_BACKOFF} states the same 30 s (the two packages may not
 * see each other): change both together.
 */
public final class StallBound {

    /** The read loop's back-off grows to this after repeated failures, and no further. */
    public static final Duration LOOP_MAX_BACKOFF = Duration.ofSeconds(30);

    private StallBound() {}
}
