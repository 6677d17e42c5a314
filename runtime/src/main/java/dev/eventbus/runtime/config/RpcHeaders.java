package dev.eventbus.runtime.config;

import java.util.Set;

/**
 * Which metadata names an operator may set on every call to a service: lower-case ASCII text
 * headers that neither HTTP/2, gRPC nor Eventbus's own delivery metadata already own.
 *
 * <p>Stateless and thread-safe.
 */
final class RpcHeaders {

    private static final Set<String> RESERVED = Set.of(
            "content-type", "te", "user-agent", "host", "connection", "idempotency-key", "traceparent", "tracestate");

    private RpcHeaders() {}

    /** Why the name cannot be used, or {@code null} when it can. */
    static String problem(String name) {
        if (!name.matches("[0-9a-z_.-]+")) {
            return "must be lower-case letters, digits, '-', '_' or '.'";
        }
        if (name.endsWith("-bin")) {
            return "is a binary header (-bin): only text headers can be set from a file";
        }
        if (name.startsWith("grpc-") || name.startsWith("eventbus-") || RESERVED.contains(name)) {
            return "is reserved by HTTP/2, gRPC or Eventbus's delivery metadata";
        }
        return null;
    }
}
