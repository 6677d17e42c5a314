package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.ownership.InstanceRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Which consumers of a group the reclaimer removes: ghosts (consumers of no live instance, by the
 * instances' heartbeats, the rule {@code status} and the metrics count ghosts by) that have nothing
 * pending, which for a ghost means a live instance claimed what it held (a dead instance does not
 * acknowledge). A consumer of a live instance is never removed, however idle. While no instance
 * heartbeats at all (instances of a version before the registry) a ghost is a consumer idle for
 * {@code recovery.delete-idle-consumers-after}, as before the registry.
 *
 * <p>Thread-safe.
 */
final class GhostConsumers {

    /** The rule fixed on one reading of the registry (one per removal pass). */
    record Rule(Set<String> live, String self, Duration idleFallback) {

        Rule {
            live = Set.copyOf(live);
        }

        /** Whether the consumer {@code name} may go (the removal re-checks its pending list atomically). */
        boolean removable(String name, long pending, long idleMillis) {
            if (name == null || name.equals(self) || pending != 0) {
                return false;
            }
            return live.isEmpty() ? idleMillis >= idleFallback.toMillis() : !live.contains(name);
        }
    }

    private final InstanceRegistry registry;
    private final String self;
    private final Duration idleFallback;

    /**
     * @param self this instance's consumer name, never removed
     * @param idleFallback {@code recovery.delete-idle-consumers-after}
     */
    GhostConsumers(InstanceRegistry registry, String self, Duration idleFallback) {
        this.registry = registry;
        this.self = self;
        this.idleFallback = idleFallback;
    }

    /** Reads the live set now. */
    Rule now() {
        return new Rule(new HashSet<>(registry.live().ids()), self, idleFallback);
    }
}
