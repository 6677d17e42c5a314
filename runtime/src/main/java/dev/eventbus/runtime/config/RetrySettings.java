package dev.eventbus.runtime.config;

import java.time.Duration;

/** A handler's retry policy: how often, how long, and how far apart. */
public record RetrySettings(
        int maxAttempts,
        Duration maxAge,
        Duration initialBackoff,
        double multiplier,
        Duration maxBackoff,
        double jitter) {}
