package dev.eventbus.runtime.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The admin servers of {@code eventbus run} (HTTP health and metrics, gRPC health and reflection)
 * and the audit log of the operator commands.
 *
 * @param host the address both servers bind to; anything but loopback needs a {@code token}
 * @param httpPort 0 = any free port
 * @param grpcPort 0 = any free port, -1 = no gRPC admin server
 * @param token bearer token required by every request when not empty; a secret: never logged,
 *     never shown (see {@link #toString()})
 * @param readyRequiresAllPlugins whether a refused plugin keeps the instance not ready
 * @param auditLog the file redrive, discard and replay append their JSON lines to
 * @param stallTimeout liveness fails when start-up makes no progress, or a subscription's loop does
 *     not come round, for this long
 * @param limits connections and timeouts of both servers
 * @param tls TLS of both servers, and the CA the operator commands trust
 */
public record AdminSettings(
        boolean enabled,
        String host,
        int httpPort,
        int grpcPort,
        String token,
        boolean readyRequiresAllPlugins,
        Path auditLog,
        Duration stallTimeout,
        AdminLimits limits,
        AdminTls tls) {

    /** With the default stall timeout and limits, without TLS. */
    public AdminSettings(
            boolean enabled,
            String host,
            int httpPort,
            int grpcPort,
            String token,
            boolean readyRequiresAllPlugins,
            Path auditLog) {
        this(
                enabled,
                host,
                httpPort,
                grpcPort,
                token,
                readyRequiresAllPlugins,
                auditLog,
                Duration.ofMinutes(2),
                AdminLimits.DEFAULT,
                AdminTls.NONE);
    }

    /** Whether requests must carry the bearer token. */
    public boolean tokenRequired() {
        return token != null && !token.isEmpty();
    }

    /** Without the token. */
    @Override
    public String toString() {
        return "AdminSettings[enabled=" + enabled + ", host=" + host + ", httpPort=" + httpPort + ", grpcPort="
                + grpcPort + ", token=" + (tokenRequired() ? "***" : "") + ", readyRequiresAllPlugins="
                + readyRequiresAllPlugins + ", auditLog=" + auditLog + ", stallTimeout=" + stallTimeout + ", limits="
                + limits
                + ", tls=" + tls + "]";
    }
}
