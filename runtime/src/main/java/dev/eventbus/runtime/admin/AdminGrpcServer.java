package dev.eventbus.runtime.admin;

import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The admin gRPC server: the standard {@code grpc.health.v1.Health} service (so
 * {@code grpc_health_probe} and Kubernetes {@code grpc} probes work), server reflection v1
 * ({@code grpcurl list}) and the services given (the runtime's {@code AdminService}). Health services: {@code ""} and {@code readiness} follow readiness,
 * {@code liveness} follows liveness; refreshed every second by a virtual thread. Health checks need
 * no token (probes cannot send one and they reveal nothing); everything else does when one is set.
 */
public final class AdminGrpcServer implements AutoCloseable {

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final HealthStatusManager health;
    private final Thread updater;
    private volatile boolean closed;

    private AdminGrpcServer(Server server, HealthStatusManager health, HealthChecks checks, Duration refresh) {
        this.server = server;
        this.health = health;
        this.updater = Thread.ofVirtual().name("eventbus-admin-grpc-health").start(() -> {
            while (!closed) {
                update(checks);
                try {
                    Thread.sleep(refresh);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** @param services served behind the token check, like reflection */
    public static AdminGrpcServer start(String host, int port, BearerToken token, HealthChecks checks,
            List<BindableService> services) throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("", ServingStatus.NOT_SERVING);
        health.setStatus("readiness", ServingStatus.NOT_SERVING);
        health.setStatus("liveness", ServingStatus.SERVING);
        TokenCheck guard = new TokenCheck(token);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
                .addService(health.getHealthService())
                .addService(ServerInterceptors.intercept(ProtoReflectionServiceV1.newInstance(), guard));
        services.forEach(s -> builder.addService(ServerInterceptors.intercept(s, guard)));
        Server server = builder.build().start();
        return new AdminGrpcServer(server, health, checks, Duration.ofSeconds(1));
    }

    private void update(HealthChecks checks) {
        ServingStatus ready = checks.ready().up() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus("", ready);
        health.setStatus("readiness", ready);
        health.setStatus("liveness", checks.live().up() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        closed = true;
        updater.interrupt();
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
    }

    /** Refuses calls without the bearer token (when one is configured). */
    private record TokenCheck(BearerToken token) implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            if (!token.accepts(headers.get(AUTHORIZATION))) {
                call.close(Status.UNAUTHENTICATED.withDescription("send authorization: Bearer <admin token>"),
                        new Metadata());
                return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
        }
    }
}
