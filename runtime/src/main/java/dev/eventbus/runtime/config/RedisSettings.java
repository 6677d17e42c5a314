package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * How to reach Redis.
 *
 * @param uri a Redis URI; may hold a password, so never log it whole (see {@link #redactedUri()})
 */
public record RedisSettings(
        String uri,
        Duration commandTimeout,
        int requestQueueSize,
        Duration connectBackoffInitial,
        Duration connectBackoffMax) {

    /** The URI without user info, for logs and admin answers. */
    public String redactedUri() {
        return redact(uri);
    }

    /** Any Redis URI without its user info. */
    public static String redact(String uri) {
        return uri.replaceFirst("//[^@/]*@", "//***@");
    }
}
