package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.ops.OpsRedis;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Liveness and readiness, as Kubernetes means them. Live: the process's own loops run (restart me
 * if not); never depends on Redis. Ready: the runtime reached running state (Redis answered, groups
 * exist, readers run), Redis answers PING now, and, when configured, no plugin was refused.
 *
 * <p>Answers carry states and counts only: no addresses, no secrets, no payloads.
 */
public final class HealthChecks {

    /** One answer: up or not, and why, check by check. */
    public record Result(boolean up, Map<String, String> checks) {
        public String status() {
            return up ? "UP" : "DOWN";
        }
    }

    private final EventbusRuntime runtime;
    private final OpsRedis redis;
    private final boolean requireAllPlugins;
    private final BooleanSupplier loopsAlive;
    private volatile boolean stopping;

    public HealthChecks(EventbusRuntime runtime, OpsRedis redis, boolean requireAllPlugins, BooleanSupplier loopsAlive) {
        this.runtime = runtime;
        this.redis = redis;
        this.requireAllPlugins = requireAllPlugins;
        this.loopsAlive = loopsAlive;
    }

    /** From now on not ready (shutdown started). */
    public void stopping() {
        stopping = true;
    }

    public Result live() {
        boolean loops = loopsAlive.getAsBoolean();
        return new Result(loops, Map.of("loops", loops ? "running" : "stalled"));
    }

    /** {@code starting}, {@code running} or {@code stopping}; asks nothing of Redis. */
    public String runtimePhase() {
        return stopping ? "stopping" : runtime.isReady() ? "running" : "starting";
    }

    public Result ready() {
        Map<String, String> checks = new LinkedHashMap<>();
        String phase = runtimePhase();
        boolean running = phase.equals("running");
        checks.put("runtime", phase);
        boolean redisUp = redis.ping(Duration.ofSeconds(1));
        checks.put("redis", redisUp ? "answers" : "does not answer");
        boolean plugins = true;
        if (running) {
            int refused = runtime.pluginFailures().size();
            plugins = refused == 0 || !requireAllPlugins;
            checks.put("plugins", runtime.handlers().size() + " handler(s) admitted, " + refused + " refused");
            checks.put("subscriptions", Integer.toString(runtime.subscriptions().size()));
        }
        return new Result(running && redisUp && plugins, checks);
    }
}
