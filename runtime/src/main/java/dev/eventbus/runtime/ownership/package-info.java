/**
 * Partition ownership for handlers ordered by subject on partitioned streams: live instances
 * heartbeat in Redis ({@code InstanceRegistry}), every instance computes the same owner of each
 * partition over the live set ({@code Rendezvous}), and the owner holds a lease in Redis with a
 * fencing token ({@code RedisLeases}, {@code Lease}), renewed and handed over by the
 * {@code OwnershipCoordinator}. The consumer reads a partition only through its {@code PartitionGate}.
 * Used by the assembly and {@code consumer} (and {@code admin}, {@code metrics} for the
 * {@code OwnershipView}); it may use {@code config}, {@code internal} and {@code stream}.
 */
package dev.eventbus.runtime.ownership;
