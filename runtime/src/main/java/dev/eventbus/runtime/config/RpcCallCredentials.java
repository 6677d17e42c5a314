package dev.eventbus.runtime.config;

import java.util.Map;

/**
 * What every call to one gRPC service carries to say who calls: a bearer token and fixed metadata
 * headers, each read from a file at start so that none lives in the environment or on the command
 * line.
 *
 * @param bearerToken sent as {@code authorization: Bearer <token>}; empty = none. A secret: never
 *     shown (see {@link #toString()})
 * @param metadata header name (lower case) to value, sent with every call; values are secrets too
 */
public record RpcCallCredentials(String bearerToken, Map<String, String> metadata) {

    /** Nothing is added to calls. */
    public static final RpcCallCredentials NONE = new RpcCallCredentials("", Map.of());

    public RpcCallCredentials {
        metadata = Map.copyOf(metadata);
    }

    /** Whether calls carry anything. */
    public boolean present() {
        return !bearerToken.isEmpty() || !metadata.isEmpty();
    }

    /** The header names only, never a value. */
    @Override
    public String toString() {
        return "RpcCallCredentials[bearerToken=" + (bearerToken.isEmpty() ? "" : "***") + ", metadata="
                + new java.util.TreeSet<>(metadata.keySet()) + "]";
    }
}
