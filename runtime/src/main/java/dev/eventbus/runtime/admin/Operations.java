package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.config.AdminBinding;
import dev.eventbus.runtime.config.AdminSettings;
import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.metrics.EventbusMetrics;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.ops.OpsRedis;
import dev.eventbus.runtime.ops.StatusReader;
import dev.eventbus.runtime.stream.DeliveryObserver;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations surface around one runtime: metrics (JMX, Prometheus, the Redis poller) and the
 * admin HTTP and gRPC servers. Started before the runtime, so probes answer "not ready" while it
 * starts; closed after it.
 *
 * <pre>{@code
 * Operations ops = new Operations(config, Clock.systemUTC());
 * EventbusRuntime runtime = ops.newRuntime();
 * ops.start(runtime);
 * runtime.start();
 * ...
 * ops.stopping(); runtime.stop(); ops.close();
 * }</pre>
 */
public final class Operations implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Operations.class);

    private final RuntimeConfig config;
    private final Clock clock;
    private final EventbusMetrics metrics;
    private OpsRedis redis;
    private HealthChecks health;
    private AdminHttpServer http;
    private AdminGrpcServer grpc;

    public Operations(RuntimeConfig config, Clock clock) {
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
        return new EventbusRuntime(config, DeliveryObserver.both(metrics.observer(), also), clock,
                List.of(metrics.grpcInterceptor()));
    }

    /**
     * Starts metrics and the admin servers for the runtime (which may not be started yet).
     *
     * @throws InvalidConfigException when the admin servers would listen beyond loopback without
     *     a token
     * @throws OpsException when a port cannot be bound
     */
    public synchronized void start(EventbusRuntime runtime) {
        AdminSettings admin = config.operations().admin();
        checkBinding(admin);
        BearerToken token = new BearerToken(admin.token());
        redis = new OpsRedis(config.redis());
        metrics.start(runtime, new StatusReader(redis, config.consumer().deadLetterPrefix(), clock));
        Duration slack = config.redis().commandTimeout().plusSeconds(5);
        health = new HealthChecks(runtime, redis, admin.readyRequiresAllPlugins(),
                () -> metrics.pollerAlive(slack) && runtime.readersAlive(), admin.stallTimeout());
        if (!admin.enabled()) {
            LOG.info("admin servers off (eventbus.admin.enabled = false)");
            return;
        }
        try {
            http = AdminHttpServer.start(admin.host(), admin.httpPort(), token, health, metrics.prometheus(), id -> {
                var running = runtime.reloadPlugin(id);
                return running.pluginId() + " " + running.version();
            });
            if (admin.grpcPort() >= 0) {
                grpc = AdminGrpcServer.start(admin.host(), admin.grpcPort(), token, health,
                        List.of(new AdminService(runtime, health, new StatusReport(runtime, health, metrics))));
            }
        } catch (IOException e) {
            close();
            throw new OpsException("admin server cannot listen on " + admin.host() + " (http-port " + admin.httpPort()
                    + ", grpc-port " + admin.grpcPort() + "): " + e.getMessage(), e);
        }
        LOG.info("admin: HTTP on {}:{} (/health/live, /health/ready, /metrics){}{}", admin.host(), http.port(),
                grpc == null ? "" : ", gRPC health, reflection and AdminService on " + admin.host() + ":" + grpc.port(),
                token.required() ? ", token required" : "");
    }

    /**
     * The loopback rule, checked here too whatever built the settings: admin servers listen beyond
     * loopback only with a token.
     *
     * @throws InvalidConfigException naming the host and the way out
     */
    static void checkBinding(AdminSettings admin) {
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
