package dev.eventbus.runtime.consumer;

/**
 * The Redis node a stream lives on now, as the client's view of the topology has it: on a cluster
 * the primary of the stream's slot, on Sentinel the primary the sentinels name. Immutable.
 *
 * @param address {@code host:port}, or {@code ?} when no node serves the stream's slot
 * @param role {@code master} (or {@code replica}, {@code ?}), with {@code , failing} when the
 *     cluster marks the node failing
 * @param following empty, or what the runtime is following now: a failover or a moved slot (the
 *     stream's node changed within the last minute), or a node it cannot reach
 */
public record StreamNode(String address, String role, String following) {

    /** How long after a change of a stream's node it is still reported as followed. */
    public static final java.time.Duration RECENT = java.time.Duration.ofSeconds(60);

    /** The address of a stream whose slot no node serves now. */
    static final String NONE = "?";

    /** A stream whose slot no node serves now, with why. */
    static StreamNode unserved(String following) {
        return new StreamNode(NONE, NONE, following);
    }

    /** Whether a node serves the stream's slot now (one that does not cannot be read). */
    public boolean served() {
        return !NONE.equals(address);
    }

    /** {@code host:port (role)}, then {@code ; following ...} when it is. */
    public String describe() {
        return address + " (" + role + ")" + (following.isEmpty() ? "" : "; " + following);
    }
}
