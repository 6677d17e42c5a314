package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.ownership.InstanceRegistry;
import dev.eventbus.runtime.ownership.InstanceRegistry.LiveInstance;
import dev.eventbus.runtime.ownership.Lease;
import dev.eventbus.runtime.ownership.OwnershipView;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Live instances as their heartbeats say: a consumer is live when an instance of its name
 * ({@code consumer-name}) is in {@value InstanceRegistry#KEY} with a heartbeat younger than
 * {@code ownership.lease-ttl}, by the Redis server's {@code TIME}. A dead instance's consumer is
 * then a ghost as soon as its heartbeat is that old, not after {@code delete-idle-consumers-after}.
 *
 * <p>When no instance heartbeats at all (the set holds no live name: instances of a version
 * before the registry, or none running) the idle rule ({@link IdleConsumers}) decides instead, so
 * such a deployment is not shown as all ghosts. Reads {@code TIME} and {@code ZRANGEBYSCORE} once
 * per {@link #now()}; thread-safe.
 */
public final class HeartbeatInstances implements LiveInstances {

    /** The live instances and the server time they were read at. */
    public record Snapshot(Instant serverTime, List<LiveInstance> instances) {

        public Snapshot {
            instances = List.copyOf(instances);
        }
    }

    /** A partition's key, as the runtime and the producer name them. */
    private static final Pattern PARTITION = Pattern.compile("\\{.+:\\d+/\\d+}");

    private final FailFastRedis redis;
    private final Duration liveFor;
    private final LiveInstances beforeRegistry;

    /**
     * @param liveFor {@code ownership.lease-ttl}
     * @param beforeRegistry the rule while no instance heartbeats
     */
    public HeartbeatInstances(FailFastRedis redis, Duration liveFor, LiveInstances beforeRegistry) {
        this.redis = redis;
        this.liveFor = liveFor;
        this.beforeRegistry = beforeRegistry;
    }

    /** The idle rule of {@code recovery.delete-idle-consumers-after} as the fallback, {@code own} live by definition. */
    public static HeartbeatInstances of(FailFastRedis redis, Duration liveFor, Duration ghostAfter, Set<String> own) {
        return new HeartbeatInstances(redis, liveFor, new IdleConsumers(ghostAfter, own));
    }

    /** The live instances, read now. */
    public Snapshot read() {
        List<String> time = redis.text().time();
        long now = Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
        List<ScoredValue<String>> live = redis.text()
                .zrangebyscoreWithScores(
                        InstanceRegistry.KEY,
                        Range.from(Range.Boundary.excluding(now - liveFor.toMillis()), Range.Boundary.unbounded()));
        return new Snapshot(
                Instant.ofEpochMilli(now),
                live.stream()
                        .map(v -> new LiveInstance(v.getValue(), Instant.ofEpochMilli((long) v.getScore())))
                        .toList());
    }

    /**
     * The live instances and the leases Redis holds now on the partitions of {@code subscriptions}
     * (one {@code HMGET} each; a subscription of an unordered handler has no lease and shows as
     * none): what a runtime's {@code OwnershipView} says, read without one. A partition whose lease
     * is missing or expired is unowned only if its handler is ordered, which Redis does not say, so
     * {@code unowned} stays empty.
     *
     * <p>Only keys of a partition's shape ({@code {name:i/n}}) are asked: their lease keys share
     * the partition's prefix, which the operator's stream patterns cover.
     */
    public OwnershipView ownership(List<SubscriptionStatus> subscriptions) {
        Snapshot live = read();
        long now = live.serverTime().toEpochMilli();
        Map<String, List<String>> owned = new TreeMap<>();
        for (SubscriptionStatus s : subscriptions) {
            if (!PARTITION.matcher(s.stream()).matches()) {
                continue;
            }
            List<KeyValue<String, String>> lease =
                    redis.text().hmget(Lease.keyOf(s.stream(), s.handler()), "owner", "expires");
            if (lease.size() == 2 && lease.get(0).hasValue() && lease.get(1).hasValue()) {
                long expires = Long.parseLong(lease.get(1).getValue());
                if (expires > now) {
                    owned.computeIfAbsent(lease.get(0).getValue(), o -> new ArrayList<>())
                            .add(s.handler() + "@" + s.stream());
                }
            }
        }
        owned.values().forEach(l -> l.sort(null));
        return new OwnershipView("", live.instances(), owned, List.of(), live.serverTime());
    }

    /** A rule fixed on one reading of the registry (one per status read, not one per consumer). */
    @Override
    public LiveInstances now() {
        Set<String> names = read().instances().stream().map(LiveInstance::id).collect(Collectors.toSet());
        return names.isEmpty() ? beforeRegistry : (consumer, idleMillis) -> names.contains(consumer);
    }

    @Override
    public boolean isLive(String consumer, long idleMillis) {
        return now().isLive(consumer, idleMillis);
    }
}
