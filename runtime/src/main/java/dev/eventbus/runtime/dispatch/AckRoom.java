package dev.eventbus.runtime.dispatch;

import java.time.Duration;

/**
 * Whether a subscription may read more while its acknowledgements wait for Redis: the runtime's
 * {@code Acknowledger#awaitRoom} for the subscription's stream and group.
 */
interface AckRoom {

    /** Never waits: for dispatchers whose acknowledgements are not bounded (tests). */
    AckRoom UNBOUNDED = new AckRoom() {
        @Override
        public boolean await(Duration max) {
            return true;
        }

        @Override
        public boolean hasRoom() {
            return true;
        }
    };

    /**
     * Waits, up to {@code max}, while the subscription's unconfirmed acknowledgements are at their limit.
     *
     * @return whether there is room (false: {@code max} passed first)
     */
    boolean await(Duration max) throws InterruptedException;

    /** Whether there is room now: a look that never waits, and never takes a waiting reader's place. */
    boolean hasRoom();
}
