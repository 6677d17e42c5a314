package dev.eventbus.runtime.config;

import java.time.Duration;

/**
 * What one client may hold of the admin servers, so that a flood of connections (or a scanner that
 * opens sockets and sends nothing) never keeps the health checks from answering, nor uses up the
 * process's open files.
 *
 * @param httpMaxConnections HTTP connections open at once; at the cap a new one closes the oldest
 *     connection still waiting for its request, or is closed itself when every one is being answered
 * @param httpRequestTimeout an HTTP connection that has not delivered a whole request this long after
 *     it opened (TLS handshake included) is closed, and so is one whose answer is not taken within it
 * @param grpcMaxConnections gRPC connections open at once; at the cap a new one closes the oldest
 *     connection without a call in progress (health calls do not count), or is closed itself when
 *     every one has such a call
 * @param grpcHandshakeTimeout a gRPC connection must finish its TLS and HTTP/2 handshake within this
 * @param grpcMaxConnectionIdle a gRPC connection without a call for this long is closed
 */
public record AdminLimits(
        int httpMaxConnections,
        Duration httpRequestTimeout,
        int grpcMaxConnections,
        Duration grpcHandshakeTimeout,
        Duration grpcMaxConnectionIdle) {

    /** The values of {@code reference.conf}. */
    public static final AdminLimits DEFAULT =
            new AdminLimits(64, Duration.ofSeconds(10), 64, Duration.ofSeconds(10), Duration.ofMinutes(5));
}
