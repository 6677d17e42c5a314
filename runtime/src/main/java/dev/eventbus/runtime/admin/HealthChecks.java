package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.consumer.SentinelAnswers;
import dev.eventbus.runtime.ops.FailFastRedis;
import dev.eventbus.runtime.stream.Subscription;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Liveness and readiness, as Kubernetes means them. Live: the process's own loops run and come
 * round, and start-up makes progress (restart me if not), and through an orderly shutdown; never
 * depends on Redis. Ready: the runtime reached running state (Redis answered, readers run), Redis
 * answers PING now, no
 * subscription is failing (a key of the wrong type, a missing permission, memory: named with its
 * reason in the check text), this instance's heartbeat goes through (else a check {@code
 * ownership} says why: the others do not count it live, and it owns no partition), on a cluster
 * every stream's slot has a primary in the client's view (one without cannot be read), and, when
 * configured, no plugin was refused (each refused JAR is a check of its own, {@code refused
 * <jar>}, with the reason of its latest refusal).
 *
 * <p>Answers carry states, counts and the Redis nodes' host:port (where each stream lives, which
 * primary does not answer, as the README's readiness row shows them): no secrets, no payloads.
 */
public final class HealthChecks {

    /** One answer: up or not, and why, check by check. */
    public record Result(boolean up, Map<String, String> checks) {
        public String status() {
            return up ? "UP" : "DOWN";
        }
    }

    private final RuntimeView runtime;
    private final FailFastRedis redis;
    private final boolean requireAllPlugins;
    private final BooleanSupplier loopsAlive;
    private final Duration stall;
    private volatile boolean stopping;

    /**
     * @param loopsAlive whether the loops outside the runtime (metrics poller) and its readers run
     * @param stall how long start-up or a subscription's loop may go without progress and still be live
     */
    public HealthChecks(
            RuntimeView runtime,
            FailFastRedis redis,
            boolean requireAllPlugins,
            BooleanSupplier loopsAlive,
            Duration stall) {
        this.runtime = runtime;
        this.redis = redis;
        this.requireAllPlugins = requireAllPlugins;
        this.loopsAlive = loopsAlive;
        this.stall = stall;
    }

    /** From now on not ready (shutdown started); live, its loops check {@code stopping}. */
    public void stopping() {
        stopping = true;
    }

    /**
     * Live, or not and why. Once an orderly shutdown began the readers stop first, on purpose, and
     * the loops check says {@code stopping}, still live: a probe that failed then would have the
     * kubelet kill the pod while it drains, cutting its shutdown grace short (found from outside:
     * 503 "stalled" through the whole drain). The shutdown is bounded by itself (the shutdown grace
     * plus time to flush and close, then the process halts), so a shutdown that hangs ends anyway.
     */
    public Result live() {
        boolean shuttingDown = stopping;
        boolean loops = shuttingDown || loopsAlive.getAsBoolean();
        java.util.Optional<String> stuck = runtime.stuck(stall);
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("loops", shuttingDown ? "stopping" : loops ? "running" : "stalled");
        checks.put("progress", stuck.orElse("ok"));
        return new Result(loops && stuck.isEmpty(), checks);
    }

    /** {@code starting}, {@code running} or {@code stopping}; asks nothing of Redis. */
    public String runtimePhase() {
        return stopping ? "stopping" : runtime.isReady() ? "running" : "starting";
    }

    /**
     * What {@link #ready()} decides but for its PING, asking Redis nothing: running (not starting,
     * not stopping), no subscription failing (a Redis that went away fails them all), the heartbeat
     * going through, on a cluster
     * every stream's slot with a primary in the client's view, and no plugin
     * refused when {@code admin.ready-requires-all-plugins}. The {@code eventbus_runtime_ready} gauge,
     * read at every scrape. It once said only "start-up done", and stayed 1 through a Redis outage
     * and a shutdown while readiness said 503 (found from outside).
     */
    public boolean readyButForPing() {
        if (!runtimePhase().equals("running")) {
            return false;
        }
        boolean refused = !runtime.pluginFailures().isEmpty() && requireAllPlugins;
        // On a cluster, a stream whose slot has no primary in the client's view (asks nothing).
        boolean served = redis == null || !redis.clustered() || clusterStreams().served();
        return !refused
                && served
                && runtime.ownershipFailure().isEmpty()
                && runtime.readerStates().stream().allMatch(r -> r.failure().isEmpty());
    }

    /** How long readiness waits for Redis to answer PING. */
    static final Duration PING_WAIT = Duration.ofMillis(500);

    /**
     * While a sentinel URI's connection is down: {@code "; not connected for 2 s: following a
     * failover"} (from what the client last saw; asks nothing), else empty.
     */
    private String sentinelFollowing() {
        return redis.sentinelPrimaryKnown()
                .map(n -> n.following())
                .filter(f -> !f.isEmpty())
                .map(f -> "; " + f)
                .orElse("");
    }

    /**
     * The round of questions to the sentinels begun at {@code askedAt}, once it ends within
     * {@link #PING_WAIT} of then; else the latest that ended before.
     */
    private Optional<SentinelAnswers.Round> answered(CompletableFuture<SentinelAnswers.Round> round, long askedAt) {
        long left = PING_WAIT.toNanos() - (System.nanoTime() - askedAt);
        try {
            return Optional.of(round.get(Math.max(1, left), TimeUnit.NANOSECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // a sentinel still to answer (a slow or frozen one): the round before says what is known
        }
        return redis.sentinelsLastAsked();
    }

    /**
     * What readiness says of the primary the connections are on, by what the sentinels answered:
     * {@code the primary the sentinels name} when they all do, with those that do not when some do
     * not; {@code the primary the sentinels named last; no sentinel answers: ...} when none does
     * (the connections stay there: the primary answers, and events flow); {@code the primary the
     * sentinels named} before any round of questions ended. It said "name" with every sentinel
     * down (found from outside).
     */
    static String sentinelsSay(Optional<SentinelAnswers.Round> round) {
        if (round.isEmpty()) {
            return "the primary the sentinels named";
        }
        SentinelAnswers.Round r = round.get();
        if (r.noneAnswers()) {
            return "the primary the sentinels named last; " + r.text();
        }
        return "the primary the sentinels name" + (r.silent().isEmpty() ? "" : "; " + r.text());
    }

    /** The per-stream checks of a cluster, from the client's view and the latest PING's silent primaries. */
    private ClusterStreamChecks clusterStreams() {
        return ClusterStreamChecks.of(
                runtime.subscriptions().stream().map(Subscription::stream).toList(),
                redis::clusterNodeKnown,
                redis.silentPrimaries());
    }

    public Result ready() {
        Map<String, String> checks = new LinkedHashMap<>();
        String phase = runtimePhase();
        boolean running = phase.equals("running");
        checks.put("runtime", phase);
        if (stopping) {
            // Not ready either way, and the stop closes the clients a PING would connect with
            // (Netty then logged a stack trace per health update: found by a signal during eventbus
            // dev's start).
            checks.put("redis", "not asked while stopping");
            return new Result(false, checks);
        }
        // Under a probe's usual 1 s timeout (Kubernetes' default): a Redis that does not answer
        // is a 503 the probe sees, not a probe that timed out. The sentinels are asked side by side.
        long asked = System.nanoTime();
        Optional<CompletableFuture<SentinelAnswers.Round>> sentinels = redis.askSentinels();
        String unanswered = redis.unanswered(PING_WAIT);
        boolean redisUp = unanswered.isEmpty();
        checks.put(
                "redis",
                redisUp
                        ? "answers"
                                + redis.sentinelPrimary()
                                        .map(n -> " at " + n.address() + " (" + n.role() + "), "
                                                + sentinelsSay(sentinels.flatMap(r -> answered(r, asked)))
                                                + (n.following().isEmpty() ? "" : "; " + n.following()))
                                        .orElse("")
                        : unanswered + sentinelFollowing());
        boolean plugins = true;
        ClusterStreamChecks streams = null;
        if (running) {
            int refused = runtime.pluginFailures().size();
            plugins = refused == 0 || !requireAllPlugins;
            checks.put("plugins", runtime.handlers().size() + " handler(s) admitted, " + refused + " refused");
            runtime.pluginFailures()
                    .forEach(f -> checks.merge("refused " + f.source(), f.reason(), (a, b) -> a + "; " + b));
            checks.put("subscriptions", Integer.toString(runtime.subscriptions().size()));
            if (redis.clustered()) {
                // On a cluster each stream lives on the primary of its slot: say which, and what
                // moved; above all while a primary does not answer (from the client's view: no wait).
                streams = clusterStreams();
                checks.putAll(streams.checks());
            }
        }
        String ownership = runtime.ownershipFailure();
        if (!ownership.isEmpty()) {
            checks.put("ownership", "failing: " + ownership);
        }
        boolean subscriptions = true;
        for (ReaderState reader : runtime.readerStates()) {
            if (!reader.failure().isEmpty()) {
                subscriptions = false;
                checks.put("subscription " + reader.subscription().name(), "failing: " + reader.failure());
            }
        }
        boolean served = streams == null || streams.served();
        return new Result(running && redisUp && plugins && subscriptions && served && ownership.isEmpty(), checks);
    }
}
