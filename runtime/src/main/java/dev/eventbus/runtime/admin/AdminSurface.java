package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.config.AdminBinding;
import dev.eventbus.runtime.config.AdminSettings;
import dev.eventbus.runtime.config.AdminTls;
import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.HostPort;
import dev.eventbus.runtime.metrics.EventbusMetrics;
import dev.eventbus.runtime.ops.AuditLog;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.ops.HeartbeatInstances;
import dev.eventbus.runtime.ops.LiveInstances;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.stream.DeliveryObserver;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin surface around one runtime: metrics (JMX, Prometheus, the Redis poller), health checks
 * and the admin HTTP and gRPC servers. It makes the runtime (so the runtime reports to its metrics)
 * and from then on reads it only through the {@link RuntimeView} the runtime hands out. Started
 * before the runtime, so probes answer "not ready" while it starts; closed after it.
 *
 * <pre>{@code
 * AdminSurface admin = new AdminSurface(config, Clock.systemUTC());
 * EventbusRuntime runtime = admin.newRuntime();
 * admin.start(runtime);
 * runtime.start();
 * ...
 * admin.stopping(); runtime.stop(); admin.close();
 * }</pre>
 */
public final class AdminSurface implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminSurface.class);

    private final RuntimeConfig config;
    private final Clock clock;
    private final EventbusMetrics metrics;
    private FailFastRedis redis;
    private HealthChecks health;
    private AdminHttpServer http;
    private AdminGrpcServer grpc;

    public AdminSurface(RuntimeConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.metrics = new EventbusMetrics(config.operations().metrics(), clock);
    }

    /** A runtime that reports to these metrics. */
    public EventbusRuntime newRuntime() {
        return newRuntime(DeliveryObserver.NONE);
    }

    /** A runtime that reports to these metrics and to {@code also} (tests, benchmarks). */
    public EventbusRuntime newRuntime(DeliveryObserver also) {
        return new EventbusRuntime(
                config, DeliveryObserver.both(metrics.observer(), also), clock, List.of(metrics.grpcInterceptor()));
    }

    /**
     * Starts metrics and the admin servers for the runtime (which may not be started yet).
     *
     * @throws InvalidConfigException when the admin servers would listen beyond loopback without
     *     a token, cannot listen on the host on this machine, or their TLS files cannot be used
     * @throws OpsException when a port cannot be bound
     */
    public synchronized void start(EventbusRuntime started) {
        RuntimeView runtime = started.view();
        AdminSettings admin = config.operations().admin();
        checkBinding(admin);
        BearerToken token = new BearerToken(admin.token());
        redis = new FailFastRedis(config.redis(), started.topologyChanges());
        // Ghosts by the instances' heartbeats; by idle time while nobody heartbeats (this instance's
        // consumer live by definition then).
        LiveInstances live = HeartbeatInstances.of(
                redis,
                config.ownership().leaseTtl(),
                config.recovery().deleteIdleConsumersAfter(),
                Set.of(config.consumerName()));
        Duration slack = config.redis().commandTimeout().plusSeconds(5);
        health = new HealthChecks(
                runtime,
                redis,
                admin.readyRequiresAllPlugins(),
                () -> metrics.pollerAlive(slack) && runtime.readersAlive(),
                admin.stallTimeout());
        metrics.start(
                runtime,
                new StatusReader(redis, config.consumer().deadLetterPrefix(), clock, live),
                redis::nodeOf,
                health::readyButForPing);
        if (!admin.enabled()) {
            LOG.info("admin servers off (eventbus.admin.enabled = false)");
            return;
        }
        PluginReloads reloads = new PluginReloads(runtime, new AuditLog(admin.auditLog(), clock), clock);
        Optional<SslContext> httpTls;
        try {
            httpTls = httpTls(admin.tls());
        } catch (InvalidConfigException e) {
            close();
            throw e;
        }
        try {
            http = AdminHttpServer.start(
                    admin.host(),
                    admin.httpPort(),
                    admin.limits(),
                    httpTls,
                    new AdminRoutes(token, health, metrics.prometheus(), reloads));
            if (admin.grpcPort() >= 0) {
                grpc = AdminGrpcServer.start(
                        admin.host(),
                        admin.grpcPort(),
                        admin.limits(),
                        admin.tls(),
                        token,
                        health,
                        List.of(new AdminService(
                                runtime,
                                health,
                                new StatusReport(
                                        runtime,
                                        health,
                                        metrics,
                                        redis::nodeOf,
                                        config.redis().redactedUri()),
                                reloads)),
                        reloads,
                        clock);
            }
        } catch (IOException | IllegalArgumentException e) {
            close();
            // A host this machine cannot listen on at all is the configuration's error (exit 2), said
            // as config check says it (found from outside: a name that does not resolve was exit 1,
            // "UnresolvedAddressException"); a port another process holds is not.
            AdminBinding.requireListening(config);
            throw new OpsException(
                    "admin server cannot listen on " + admin.host() + " (http-port " + admin.httpPort() + ", grpc-port "
                            + admin.grpcPort() + "): " + Errors.rootMessage(e),
                    e);
        }
        LOG.info(
                "admin: HTTP{} on {} (/health/live, /health/ready, /metrics){}{}",
                admin.tls().serves() ? "S" : "",
                HostPort.of(admin.host(), http.port()),
                grpc == null
                        ? ""
                        : ", gRPC" + (admin.tls().serves() ? " over TLS" : "")
                                + " health, reflection and AdminService on " + HostPort.of(admin.host(), grpc.port()),
                token.required() ? ", token required" : "");
    }

    /** The HTTP server's TLS context from the PEM files, or empty for plaintext. */
    private static Optional<SslContext> httpTls(AdminTls tls) {
        if (!tls.serves()) {
            return Optional.empty();
        }
        try {
            return Optional.of(SslContextBuilder.forServer(
                            tls.certFile().orElseThrow().toFile(),
                            tls.keyFile().orElseThrow().toFile(),
                            tls.keyPassword().isEmpty() ? null : tls.keyPassword())
                    .build());
        } catch (SSLException | IllegalArgumentException e) {
            // The key was checked when the configuration was loaded: most likely a file changed since.
            throw new InvalidConfigException(
                    "eventbus.admin.tls: cannot use " + tls.certFile().orElseThrow() + " and "
                            + tls.keyFile().orElseThrow() + " (" + Errors.rootMessage(e)
                            + "): a PEM certificate chain and its PKCS#8 key, with key-password when the key is encrypted");
        }
    }

    /**
     * The loopback rule, checked here too whatever built the settings: admin servers listen beyond
     * loopback only with a token, and never on an empty host.
     *
     * @throws InvalidConfigException naming the host and the way out
     */
    static void checkBinding(AdminSettings admin) {
        String empty = admin.enabled() ? AdminBinding.problemWithHost(admin.host()) : null;
        if (empty != null) {
            throw new InvalidConfigException("eventbus.admin.host: " + empty);
        }
        if (admin.enabled() && !admin.tokenRequired()) {
            String problem = AdminBinding.problemWithoutToken(admin.host());
            if (problem != null) {
                throw new InvalidConfigException("eventbus.admin.host: " + problem);
            }
        }
    }

    public EventbusMetrics metrics() {
        return metrics;
    }

    public HealthChecks health() {
        return health;
    }

    /** The bound HTTP port, or -1 when there is no HTTP server. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** The bound gRPC port, or -1 when there is no gRPC server. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.port();
    }

    /** Connections the HTTP server holds open now (0 without one). */
    int httpConnections() {
        return http == null ? 0 : http.connections();
    }

    /** Connections the gRPC server holds open now (0 without one). */
    int grpcConnections() {
        return grpc == null ? 0 : grpc.connections();
    }

    /** Shutdown began: readiness turns false at once. */
    public void stopping() {
        if (health != null) {
            health.stopping();
        }
    }

    @Override
    public synchronized void close() {
        stopping();
        if (grpc != null) {
            grpc.close();
            grpc = null;
        }
        if (http != null) {
            http.close();
            http = null;
        }
        metrics.close();
        if (redis != null) {
            redis.close();
            redis = null;
        }
    }
}
