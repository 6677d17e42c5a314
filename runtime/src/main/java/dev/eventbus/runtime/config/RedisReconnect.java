package dev.eventbus.runtime.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How soon a dropped Redis connection (a node restarted or failed over, a {@code CLIENT KILL}, a
 * network cut) is opened again: the first attempt after {@code initialDelay}, each further one after
 * twice as long, never longer than {@code maxDelay}. A short maximum finds a node back soon after a
 * long outage, a long one spares a Redis that is down.
 *
 * @param initialDelay the wait before the first reconnect attempt, zero or more
 * @param maxDelay the longest wait between attempts, at least {@code initialDelay} and above zero
 */
public record RedisReconnect(Duration initialDelay, Duration maxDelay) {

    /**
     * What {@code reference.conf} sets: 10 ms, doubling up to 5 s (Lettuce's own bound, 30 s, would
     * leave a runtime up to 30 s behind a Redis that is back).
     */
    public static final RedisReconnect DEFAULT = new RedisReconnect(Duration.ofMillis(10), Duration.ofSeconds(5));

    /** Validates. */
    public RedisReconnect {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (initialDelay.isNegative()) {
            throw new IllegalArgumentException(
                    "redis.reconnect.initial-delay must not be negative, was " + initialDelay);
        }
        if (maxDelay.isZero() || maxDelay.isNegative()) {
            throw new IllegalArgumentException("redis.reconnect.max-delay must be positive, was " + maxDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("redis.reconnect.max-delay (" + maxDelay
                    + ") must be at least redis.reconnect.initial-delay (" + initialDelay + ")");
        }
    }
}
