package dev.eventbus.runtime.config;

import java.time.Duration;

/** Circuit breakers per gRPC service; a threshold of 0 turns them off. */
public record BreakerSettings(int failureThreshold, Duration openFor) {}
