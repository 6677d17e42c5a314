package dev.eventbus.runtime.ownership;

import dev.eventbus.runtime.ownership.InstanceRegistry.LiveInstance;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Who is live and who owns what, as Redis says now: the live instances with their last heartbeat,
 * and for each instance the leases it holds ({@code group@partition}) of this instance's ordered
 * handlers, on every partition layout a live instance states it runs (so one that runs another
 * partition count shows what it holds on its layout). A lease held by no live instance is listed
 * under its owner's id all the same (it has not expired yet).
 *
 * @param self this instance's id
 * @param instances the live instances, sorted by id
 * @param owned each owner's leases ({@code group@partition}), sorted
 * @param unowned the leases nobody holds now
 * @param serverTime Redis's time when this was read (heartbeat ages are measured against it)
 */
public record OwnershipView(
        String self,
        List<LiveInstance> instances,
        Map<String, List<String>> owned,
        List<String> unowned,
        Instant serverTime) {

    public OwnershipView {
        instances = instances.stream()
                .sorted(java.util.Comparator.comparing(LiveInstance::id))
                .toList();
        owned = Map.copyOf(owned);
        unowned = List.copyOf(unowned);
    }

    /** Nothing known: no ordered subscription on a partitioned stream here. */
    public static OwnershipView none(String self) {
        return new OwnershipView(self, List.of(), Map.of(), List.of(), Instant.EPOCH);
    }

    /** How long ago {@code instance} last heartbeat, by Redis's clock (zero when not known). */
    public Duration age(LiveInstance instance) {
        Duration age = Duration.between(instance.lastHeartbeat(), serverTime);
        return age.isNegative() ? Duration.ZERO : age;
    }

    /** The leases {@code instance} holds, sorted (none when it holds none). */
    public List<String> ownedBy(String instance) {
        return owned.getOrDefault(instance, List.of());
    }
}
