package dev.eventbus.runtime.config;

import java.time.Duration;

/** How one handler runs: its max-in-flight (handler calls at once), its time limit, its ordering and its retry policy. */
public record HandlerSettings(
        int maxInFlight, Duration timeout, Duration abandonAfter, boolean orderedBySubject, RetrySettings retry) {}
