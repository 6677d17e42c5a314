package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * One gRPC service handlers may call.
 *
 * @param service the fully qualified service name, e.g. {@code orders.v1.OrderService}
 * @param target host:port or a gRPC target URI
 * @param trustCaFile PEM file of CAs to trust for TLS, or empty for the JVM's trust store
 */
public record RpcServiceSettings(
        String service,
        String target,
        Duration deadline,
        boolean tls,
        String trustCaFile,
        int maxInboundMessageSize) {}
