package dev.eventbus.runtime.config;

/**
 * How the runtime is operated: admin servers, metrics, log format.
 *
 * @param logFormat {@code text} or {@code json}
 */
public record OperationsSettings(AdminSettings admin, MetricsSettings metrics, String logFormat) {

    /** Whether logs are written as one JSON object per line. */
    public boolean jsonLogs() {
        return "json".equals(logFormat);
    }
}
