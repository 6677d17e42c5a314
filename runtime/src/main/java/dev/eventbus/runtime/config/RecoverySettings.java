package dev.eventbus.runtime.config;

import java.time.Duration;

/** Recovery of entries left behind: due retries, entries of dead consumers, the delivery fuse. */
public record RecoverySettings(
        Duration retryPollInterval,
        Duration claimIdle,
        Duration interval,
        int maxDeliveries,
        Duration deleteIdleConsumersAfter) {}
