package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * Recovery of entries left behind: due retries, entries of dead consumers, the delivery fuse, and
 * how often a stream whose partition count changes is checked for its old layout being drained.
 */
public record RecoverySettings(
        Duration retryPollInterval,
        Duration claimIdle,
        Duration interval,
        int maxDeliveries,
        Duration deleteIdleConsumersAfter,
        Duration drainCheckInterval) {}
