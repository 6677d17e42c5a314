package dev.eventbus.runtime.ownership;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * This instance's view of one (group, partition) lease: the state machine the coordinator drives
 * and the gate the subscription asks. The local deadline is measured on the monotonic clock from
 * when the acquire or renewal was <em>sent</em>: Redis set the expiry from its own TIME when it ran
 * the script, later than that, so the local deadline ({@code sent + ttl - margin}) passes before
 * Redis could hand the lease to anyone else, however long the reply took or this process stalled.
 *
 * <p>States: FREE (not ours), HELD, DRAINING (ours, handing over: no reads, running calls finish),
 * LAPSED (the deadline passed or Redis refused a renewal: no reads and no dispatches with this
 * token ever again; the coordinator releases it and may acquire a new one once nothing taken
 * under this one is held here any more, whose reader first claims and re-reads the partition's
 * pending entries).
 *
 * <p>Thread-safe.
 */
public final class Lease implements PartitionGate {

    /** The states, see the class comment. */
    public enum State {
        FREE,
        HELD,
        DRAINING,
        LAPSED
    }

    private final String group;
    private final String partition;
    private final String owner;
    private final String leaseKey;
    private final long ttlNanos;
    private final long marginNanos;
    private final LongSupplier nanoTime;

    private State state = State.FREE;
    private long token;
    private long deadlineNanos;
    private int reads;
    private long drainingSinceNanos;

    /**
     * @param partition the partition's stream key; its hash tag puts the lease in the same slot
     * @param nanoTime the monotonic clock
     */
    public Lease(String group, String partition, String owner, Duration ttl, Duration margin, LongSupplier nanoTime) {
        this.group = group;
        this.partition = partition;
        this.owner = owner;
        this.leaseKey = keyOf(partition, group);
        this.ttlNanos = ttl.toNanos();
        this.marginNanos = margin.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The lease key of a group on a partition: the partition key first, so it shares its hash tag. */
    public static String keyOf(String partition, String group) {
        return partition + ":lease:" + group;
    }

    /** The resource rendezvous hashing places: group and partition. */
    public String resource() {
        return group + "@" + partition;
    }

    public String group() {
        return group;
    }

    public String partition() {
        return partition;
    }

    @Override
    public String leaseKey() {
        return leaseKey;
    }

    @Override
    public String owner() {
        return owner;
    }

    @Override
    public boolean gated() {
        return true;
    }

    public synchronized State state() {
        return state;
    }

    /** The token held (HELD, DRAINING or LAPSED), or 0. */
    public synchronized long token() {
        return state == State.FREE ? 0 : token;
    }

    /** Redis granted the lease with this token; the request was sent at {@code sentAtNanos}. */
    public synchronized void acquired(long newToken, long sentAtNanos) {
        state = State.HELD;
        token = newToken;
        deadlineNanos = sentAtNanos + ttlNanos - marginNanos;
    }

    /** Redis extended the lease; the renewal was sent at {@code sentAtNanos}. */
    public synchronized void renewed(long renewedToken, long sentAtNanos) {
        if (renewedToken == token && (state == State.HELD || state == State.DRAINING) && !pastDeadline()) {
            deadlineNanos = Math.max(deadlineNanos, sentAtNanos + ttlNanos - marginNanos);
        }
    }

    /** Redis no longer holds this lease for us (renewal refused, or a fenced read said so). */
    @Override
    public synchronized void fenced(long fencedToken) {
        if (fencedToken == token && state != State.FREE) {
            state = State.LAPSED;
        }
    }

    /** Stop reading and hand over once idle (the partition is assigned elsewhere, or this instance stops). */
    public synchronized void drain() {
        if (state == State.HELD) {
            state = State.DRAINING;
            drainingSinceNanos = nanoTime.getAsLong();
        }
    }

    /** Assigned here again while handing over: reading goes on with the same token. */
    public synchronized void keep() {
        if (state == State.DRAINING) {
            state = State.HELD;
        }
    }

    /** How long it has been draining, in nanos (0 unless DRAINING). */
    public synchronized long drainingForNanos() {
        return state == State.DRAINING ? nanoTime.getAsLong() - drainingSinceNanos : 0;
    }

    /** Whether no read is on its way to dispatch (a handover waits for this, then for the slots). */
    public synchronized boolean noReadInProgress() {
        return reads == 0;
    }

    /** Released in Redis (or known to be lost there): not ours. */
    public synchronized void released() {
        state = State.FREE;
        token = 0;
    }

    /** Checks the deadline: a HELD or DRAINING lease past it lapses. */
    public synchronized State check() {
        if ((state == State.HELD || state == State.DRAINING) && pastDeadline()) {
            state = State.LAPSED;
        }
        return state;
    }

    @Override
    public synchronized long enterRead() {
        if (check() != State.HELD) {
            return 0;
        }
        reads++;
        return token;
    }

    @Override
    public synchronized void exitRead() {
        if (reads > 0) {
            reads--;
        }
    }

    @Override
    public synchronized boolean mayDispatch() {
        State s = check();
        return s == State.HELD || s == State.DRAINING;
    }

    private boolean pastDeadline() {
        return nanoTime.getAsLong() - deadlineNanos >= 0;
    }

    @Override
    public synchronized String toString() {
        return resource() + " " + state + (state == State.FREE ? "" : " token " + token);
    }
}
