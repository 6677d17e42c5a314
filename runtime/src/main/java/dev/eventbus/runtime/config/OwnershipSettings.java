package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * Partition ownership for ordered handlers on partitioned streams: how long a lease lasts, how
 * often it is renewed (and the instance heartbeats), and how long before its end the owner stops
 * starting handler calls.
 */
public record OwnershipSettings(Duration leaseTtl, Duration renewEvery, Duration safetyMargin) {}
