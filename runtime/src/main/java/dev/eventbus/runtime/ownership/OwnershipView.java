package dev.eventbus.runtime.ownership;

import dev.eventbus.runtime.ownership.InstanceRegistry.LiveInstance;
import java.util.List;
import java.util.Map;

/**
 * Who is live and who owns what, as Redis says now: the live instances with their last heartbeat,
 * and for each instance the leases it holds ({@code group@partition}) among those this instance's
 * ordered subscriptions know of. A lease held by no live instance is listed under its owner's id
 * all the same (it has not expired yet).
 *
 * @param self this instance's id
 * @param instances the live instances, by id
 * @param owned each owner's leases ({@code group@partition}), sorted
 * @param unowned the leases nobody holds now
 */
public record OwnershipView(
        String self, List<LiveInstance> instances, Map<String, List<String>> owned, List<String> unowned) {

    public OwnershipView {
        instances = List.copyOf(instances);
        owned = Map.copyOf(owned);
        unowned = List.copyOf(unowned);
    }

    /** Nothing known: no ordered subscription on a partitioned stream here. */
    public static OwnershipView none(String self) {
        return new OwnershipView(self, List.of(), Map.of(), List.of());
    }
}
