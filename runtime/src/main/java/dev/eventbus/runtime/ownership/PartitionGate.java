package dev.eventbus.runtime.ownership;

/**
 * What a subscription asks before it reads or dispatches: whether this instance owns the partition
 * now. {@link #OPEN} for every subscription that needs no owner (unordered handlers, unpartitioned
 * streams). A read is bracketed by {@link #enterRead()} and {@link #exitRead()} so that a handover
 * waits for reads already on their way to be dispatched.
 *
 * <p>Thread-safe.
 */
public interface PartitionGate {

    /** Always owned: no lease, no fencing. */
    PartitionGate OPEN = new PartitionGate() {
        @Override
        public boolean gated() {
            return false;
        }

        @Override
        public long enterRead() {
            return Long.MAX_VALUE;
        }

        @Override
        public void exitRead() {}

        @Override
        public boolean mayDispatch() {
            return true;
        }

        @Override
        public void fenced(long token) {}

        @Override
        public String leaseKey() {
            throw new IllegalStateException("an open gate has no lease");
        }

        @Override
        public String owner() {
            throw new IllegalStateException("an open gate has no lease");
        }
    };

    /** Whether reads go through the lease (false: {@link #OPEN}). */
    boolean gated();

    /**
     * The fencing token of the lease held now, to pass to the fenced read, or 0 when this instance
     * may not read (not owner, handing over, or past its local deadline). A nonzero answer must be
     * followed by {@link #exitRead()} once what was read is dispatched.
     */
    long enterRead();

    void exitRead();

    /**
     * Runs {@code round} bracketed as a read, with the lease's token, when this instance owns the
     * partition now; otherwise skips it (not the owner: nothing to do this round). For the loops
     * beside the reader (retries, the reclaimer) that must not touch a partition another instance
     * owns: their claims pass the token to Redis, which checks it in the same step.
     */
    default void ifOwned(java.util.function.LongConsumer round) {
        long token = enterRead();
        if (token == 0) {
            return;
        }
        try {
            round.accept(token);
        } finally {
            exitRead();
        }
    }

    /** Whether a handler call may start now: the lease is held and its local deadline not passed. */
    boolean mayDispatch();

    /** A fenced command found the lease with this token gone: stop at once. */
    void fenced(long token);

    /** The Redis key of the lease, in the partition's hash slot. */
    String leaseKey();

    /** This instance's id, the lease owner's name. */
    String owner();
}
