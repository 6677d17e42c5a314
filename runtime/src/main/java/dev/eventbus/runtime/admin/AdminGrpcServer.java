package dev.eventbus.runtime.admin;

import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.ReloadPluginRequest;
import dev.eventbus.runtime.config.AdminLimits;
import dev.eventbus.runtime.config.AdminTls;
import dev.eventbus.runtime.internal.Loop;
import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin gRPC server: the standard {@code grpc.health.v1.Health} service (so
 * {@code grpc_health_probe} and Kubernetes {@code grpc} probes work), server reflection v1
 * ({@code grpcurl list}) and the services given (the runtime's {@code AdminService}). Health services: {@code ""} and {@code readiness} follow readiness,
 * {@code liveness} follows liveness; refreshed every second by a virtual thread. Health checks need
 * no token (probes cannot send one and they reveal nothing); everything else does when one is set.
 *
 * <p>Bounded by {@link AdminLimits}: at most {@code grpc-max-connections} connections
 * ({@link GrpcConnections}); a connection must finish its (TLS and) HTTP/2 handshake within
 * the handshake timeout, and one without a call for the idle time is closed; messages and metadata
 * are small. Optionally TLS ({@link AdminTls}).
 */
public final class AdminGrpcServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminGrpcServer.class);

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    /** The client's address, for the audit log; set for every call behind the token check. */
    static final Context.Key<String> CALLER = Context.key("eventbus-admin-caller");
    /** Admin requests and answers are small; a larger message is refused before it is read. */
    private static final int MAX_MESSAGE = 4 * 1024 * 1024;

    private static final int MAX_METADATA = 16 * 1024;

    private final Server server;
    private final EventLoopGroup loop;
    private final GrpcConnections connections;
    private final HealthStatusManager health;
    private final Loop updater;

    private AdminGrpcServer(
            Server server,
            EventLoopGroup loop,
            GrpcConnections connections,
            HealthStatusManager health,
            HealthChecks checks,
            Duration refresh) {
        this.server = server;
        this.loop = loop;
        this.connections = connections;
        this.health = health;
        // On the runtime's loop: a check that throws once no longer ends the updates for good.
        this.updater = Loop.every("eventbus-admin-grpc-health", refresh, LOG, () -> update(checks));
        updater.start();
    }

    /**
     * @param services served behind the token check, like reflection
     * @param reloads audits a plugin reload refused for want of the token
     */
    static AdminGrpcServer start(
            String host,
            int port,
            AdminLimits limits,
            AdminTls tls,
            BearerToken token,
            HealthChecks checks,
            List<BindableService> services,
            PluginReloads reloads,
            Clock clock)
            throws IOException {
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("", ServingStatus.NOT_SERVING);
        health.setStatus("readiness", ServingStatus.NOT_SERVING);
        health.setStatus("liveness", ServingStatus.SERVING);
        TokenCheck guard = new TokenCheck(token, reloads);
        GrpcConnections connections = new GrpcConnections(limits.grpcMaxConnections(), clock);
        // The cap sits in the listening channel's pipeline, so the server gets a channel factory of
        // its own, and with it (grpc-java requires a matching pair) event loops of its own.
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(
                2,
                Thread.ofPlatform()
                        .name("eventbus-admin-grpc-io-", 0)
                        .daemon(true)
                        .factory(),
                NioIoHandler.newFactory());
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials(tls))
                .channelFactory(() -> {
                    NioServerSocketChannel listening = new NioServerSocketChannel();
                    listening.pipeline().addLast(connections);
                    return listening;
                })
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .handshakeTimeout(limits.grpcHandshakeTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .maxConnectionIdle(limits.grpcMaxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS)
                .maxInboundMessageSize(MAX_MESSAGE)
                .maxInboundMetadataSize(MAX_METADATA)
                .addService(health.getHealthService())
                .addService(ServerInterceptors.intercept(
                        ProtoReflectionServiceV1.newInstance(), connections.calls(), guard));
        // Only calls past the token check keep their connection from being pushed out at the cap:
        // health calls need no token (a Watch lasts as long as its client likes), so a client
        // without the token can never hold a connection the cap cannot take back.
        services.forEach(s -> builder.addService(ServerInterceptors.intercept(s, connections.calls(), guard)));
        Server server;
        try {
            server = builder.build().start();
        } catch (IOException | RuntimeException e) {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        return new AdminGrpcServer(server, loop, connections, health, checks, Duration.ofSeconds(1));
    }

    private static ServerCredentials credentials(AdminTls tls) throws IOException {
        if (!tls.serves()) {
            return InsecureServerCredentials.create();
        }
        return TlsServerCredentials.newBuilder()
                .keyManager(
                        tls.certFile().orElseThrow().toFile(),
                        tls.keyFile().orElseThrow().toFile(),
                        tls.keyPassword().isEmpty() ? null : tls.keyPassword())
                .build();
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

    /** Connections open now. */
    int connections() {
        return connections.count();
    }

    @Override
    public void close() {
        updater.stop();
        try {
            // An update under way asks Redis through a client that is closed after this.
            updater.awaitEnd(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /**
     * Refuses calls without the bearer token (when one is configured). A refused plugin reload is
     * audited like an accepted one: its request is read first, for the plugin's id.
     */
    private record TokenCheck(BearerToken token, PluginReloads reloads) implements ServerInterceptor {
        private static final Status REFUSED =
                Status.UNAUTHENTICATED.withDescription("send authorization: Bearer <admin token>");

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String caller = String.valueOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            if (!token.accepts(headers.get(AUTHORIZATION))) {
                if (call.getMethodDescriptor()
                        .getFullMethodName()
                        .equals(AdminServiceGrpc.getReloadPluginMethod().getFullMethodName())) {
                    return refusedReload(call, caller);
                }
                call.close(REFUSED, new Metadata());
                return new ServerCall.Listener<>() {};
            }
            Context context = Context.current().withValue(CALLER, caller);
            return Contexts.interceptCall(context, call, headers, next);
        }

        /** Reads the (unary) request, audits the refusal with its plugin id, then refuses. */
        private <Q, R> ServerCall.Listener<Q> refusedReload(ServerCall<Q, R> call, String caller) {
            call.request(1);
            return new ServerCall.Listener<>() {
                private boolean closed;

                @Override
                public void onMessage(Q message) {
                    refuse(message instanceof ReloadPluginRequest r ? r.getId() : "");
                }

                @Override
                public void onHalfClose() {
                    refuse("");
                }

                private void refuse(String plugin) {
                    if (closed) {
                        return;
                    }
                    closed = true;
                    reloads.refused(plugin, caller, "admin-grpc", "UNAUTHENTICATED: no or a wrong token");
                    call.close(REFUSED, new Metadata());
                }
            };
        }
    }
}
