package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * One gRPC service handlers may call.
 *
 * @param service the fully qualified service name, e.g. {@code orders.v1.OrderService}
 * @param target host:port or a gRPC target URI
 * @param tls whether the channel uses TLS; false = plaintext
 * @param tlsMaterial the CA and client certificate; only used when {@code tls}
 * @param authority the host name the server's certificate must hold and the {@code :authority} of
 *     every call, in place of the target's host; empty = the target's
 * @param callCredentials what every call carries to say who calls
 */
public record RpcServiceSettings(
        String service,
        String target,
        Duration deadline,
        boolean tls,
        RpcTls tlsMaterial,
        String authority,
        RpcCallCredentials callCredentials,
        int maxInboundMessageSize) {

    /** A plaintext service with no credentials. */
    public RpcServiceSettings(String service, String target, Duration deadline, int maxInboundMessageSize) {
        this(service, target, deadline, false, RpcTls.NONE, "", RpcCallCredentials.NONE, maxInboundMessageSize);
    }

    /**
     * Whether calls cross the network in clear: plaintext to a target that is not on this machine.
     * Anyone on the path can read and change them; worth a warning wherever settings show.
     */
    public boolean plaintextOverNetwork() {
        return !tls && !RpcTargets.isLoopback(target);
    }
}
