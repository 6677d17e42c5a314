package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * What the runtime measures and where it publishes it.
 *
 * @param pollInterval how often the per-subscription gauges are read from Redis
 * @param jvm whether the JVM's figures are registered too
 * @param jmx whether every metric is also an MBean
 */
public record MetricsSettings(Duration pollInterval, boolean jvm, boolean jmx) {}
