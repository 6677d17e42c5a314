package dev.eventbus.runtime.admin;

import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.HandlerStatus;
import dev.eventbus.admin.v1.Health;
import dev.eventbus.admin.v1.ServiceStatus;
import dev.eventbus.admin.v1.StreamStatus;
import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.consumer.ReaderState;
import dev.eventbus.runtime.consumer.StreamNode;
import dev.eventbus.runtime.dispatch.AbandonedWorkers;
import dev.eventbus.runtime.internal.BoundedCall;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.metrics.EventbusMetrics;
import dev.eventbus.runtime.metrics.SubscriptionPoller.Reading;
import dev.eventbus.runtime.ops.SubscriptionStatus;
import dev.eventbus.runtime.ownership.InstanceRegistry.LiveInstance;
import dev.eventbus.runtime.ownership.OwnershipView;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.rpc.Circuit;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The answer to {@code GetStatus}: health, each handler's subscriptions (live state from the
 * runtime, figures from the metrics poller's last reading of Redis), each service's circuit, and
 * the live instances with their partitions. Redis is asked nothing beyond what the poller reads
 * anyway, unless its readings are stale, but the registry and the leases (one script and one
 * {@code HMGET} per lease this runtime knows of), read fresh so a takeover shows at once.
 *
 * <p>Thread-safe (stateless between calls).
 */
final class StatusReport {

    private final RuntimeView runtime;
    private final HealthChecks health;
    private final EventbusMetrics metrics;
    private final Function<String, Optional<StreamNode>> nodes;
    private final String redis;

    /**
     * @param nodes the node each stream lives on (cluster, Sentinel); empty on one node
     * @param redis the runtime's Redis URI, redacted: an operator command given another Redis does
     *     not present this runtime's state as that Redis's
     */
    StatusReport(
            RuntimeView runtime,
            HealthChecks health,
            EventbusMetrics metrics,
            Function<String, Optional<StreamNode>> nodes,
            String redis) {
        this.runtime = runtime;
        this.health = health;
        this.metrics = metrics;
        this.nodes = nodes;
        this.redis = redis;
    }

    /** @param onlyHandler a handler name, or empty for all */
    GetStatusResponse build(String onlyHandler) {
        GetStatusResponse.Builder answer = GetStatusResponse.newBuilder()
                .setRuntimeVersion(Versions.runtime())
                .setRedis(redis)
                .setReadiness(health(health.ready()))
                .setLiveness(health(health.live()));
        SubscriptionStates states = SubscriptionStates.now(runtime, health.runtimePhase());
        Map<String, LoadedHandler> handlers = handlers(states);
        Map<String, Reading> figures = metrics.figures(states.readers().stream()
                .map(ReaderState::subscription)
                .filter(s -> onlyHandler.isEmpty() || s.group().equals(onlyHandler))
                .toList());
        for (LoadedHandler h : handlers.values()) {
            if (onlyHandler.isEmpty() || h.name().equals(onlyHandler)) {
                answer.addHandlers(handler(h, states, figures));
            }
        }
        for (Circuit c : states.circuits()) {
            answer.addServices(service(c, handlers.values()));
        }
        runtime.pluginFailures().forEach(f -> answer.addRefused(PluginMessages.refused(f)));
        instances(answer);
        return answer.build();
    }

    /**
     * The live instances and their partitions, read from Redis now, waited for at most {@link
     * #INSTANCES_WAIT}; none when Redis does not answer or the runtime starts or stops (then
     * {@code instances_unread} says why: not "no live instance", as this one runs).
     */
    private void instances(GetStatusResponse.Builder answer) {
        Optional<String> unknown = runtime.ownershipUnknown();
        if (unknown.isPresent()) {
            // Starting, with what readiness says of Redis (what start-up waits for, often).
            String redisCheck = answer.getReadiness().getChecksOrDefault("redis", "");
            boolean starting = health.runtimePhase().equals("starting") && !redisCheck.isEmpty();
            answer.setInstancesUnread(unknown.get() + (starting ? "; Redis: " + redisCheck : ""));
            return;
        }
        OwnershipView view;
        try {
            view = BoundedCall.get("eventbus-status-instances", runtime::ownership, INSTANCES_WAIT);
        } catch (TimeoutException e) {
            answer.setInstancesUnread("Redis did not answer within " + INSTANCES_WAIT.toSeconds() + " s");
            return;
        } catch (ExecutionException e) {
            answer.setInstancesUnread(Errors.describe(e.getCause(), runtime.ownershipReconnect()));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer.setInstancesUnread("interrupted");
            return;
        }
        for (LiveInstance i : view.instances()) {
            answer.addInstances(dev.eventbus.admin.v1.LiveInstance.newBuilder()
                    .setName(i.id())
                    .setLastHeartbeatAgeMillis(view.age(i).toMillis())
                    .addAllPartitions(view.ownedBy(i.id()))
                    .setSelf(i.id().equals(view.self())));
        }
        answer.addAllUnownedPartitions(view.unowned());
    }

    /**
     * How long an answer waits for the live instances: a frozen Redis held it for the command
     * timeout (10 s), past the CLI's own 10 s for the whole answer, so `status` gave up on the
     * runtime and then on Redis, 22 s in all (found from outside).
     */
    private static final Duration INSTANCES_WAIT = Duration.ofSeconds(2);

    /** The admitted handlers, and those of readers still draining after their plugin was unloaded. */
    private Map<String, LoadedHandler> handlers(SubscriptionStates states) {
        Map<String, LoadedHandler> handlers = new LinkedHashMap<>();
        runtime.handlers().stream()
                .sorted(Comparator.comparing(LoadedHandler::name))
                .forEach(h -> handlers.put(h.name(), h));
        states.readers()
                .forEach(r -> handlers.putIfAbsent(
                        r.subscription().group(), r.subscription().handler()));
        return handlers;
    }

    private HandlerStatus handler(LoadedHandler h, SubscriptionStates states, Map<String, Reading> figures) {
        AbandonedWorkers.Count abandoned = runtime.abandonedWorkers(h.name());
        HandlerStatus.Builder status = HandlerStatus.newBuilder()
                .setName(h.name())
                .setPluginId(h.pluginId())
                .setPluginVersion(h.pluginVersion())
                .setDeadLetters(-1)
                .setAbandonedWorkersRunning(abandoned.running())
                .setAbandonedWorkersTotal(abandoned.total());
        for (String stream : states.streamsOf(h)) {
            SubscriptionStates.Live live = states.of(h, stream);
            StreamStatus.Builder row = StreamStatus.newBuilder()
                    .setStream(stream)
                    .setState(live.state())
                    .setReason(live.reason())
                    .setLag(-1)
                    .setOldestPendingAgeMillis(-1)
                    .setFiguresAgeMillis(-1)
                    .setStreamDeadLetters(-1);
            nodes.apply(stream)
                    .ifPresent(n ->
                            row.setNode(n.address() + " (" + n.role() + ")").setFollowing(n.following()));
            ReaderState reader = states.reader(h.name(), stream).orElse(null);
            Reading reading =
                    reader == null ? null : figures.get(reader.subscription().name());
            if (reader != null) {
                row.setInFlight(reader.inFlight())
                        .setMaxInFlight(reader.maxInFlight())
                        .setReadAhead(reader.readAhead())
                        .setMaxReadAhead(reader.maxReadAhead());
            }
            if (reading != null) {
                SubscriptionStatus s = reading.status();
                row.setConsumers(s.consumers())
                        .setGhostConsumers(s.ghosts())
                        .setPending(s.pending())
                        .setLag(s.lag())
                        .setOldestPendingAgeMillis(s.oldestPendingAgeMillis())
                        .setRetriesScheduled(s.retriesScheduled())
                        .setRedisState(s.state())
                        .setFiguresAgeMillis(reading.age().toMillis())
                        .setDeadLetterStream(s.deadLetterStream())
                        .setStreamDeadLetters(s.streamDeadLetters());
                status.setDeadLetters(s.deadLetters());
            }
            status.addStreams(row);
        }
        return status.build();
    }

    private static ServiceStatus service(Circuit c, Collection<LoadedHandler> handlers) {
        return ServiceStatus.newBuilder()
                .setService(c.service())
                .setCircuit(
                        switch (c.state()) {
                            case CLOSED -> ServiceStatus.Circuit.CLOSED;
                            case OPEN -> ServiceStatus.Circuit.OPEN;
                            case HALF_OPEN -> ServiceStatus.Circuit.HALF_OPEN;
                        })
                .setConsecutiveFailures(c.consecutiveFailures())
                .setHalfOpenInMillis(c.halfOpenIn().toMillis())
                .addAllHandlers(handlers.stream()
                        .filter(h -> h.spec().services().contains(c.service()))
                        .map(LoadedHandler::name)
                        .sorted()
                        .toList())
                .build();
    }

    private static Health health(HealthChecks.Result result) {
        return Health.newBuilder()
                .setUp(result.up())
                .putAllChecks(result.checks())
                .build();
    }
}
