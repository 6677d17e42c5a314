package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Loop;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Tells loops waiting out a back-off that the client's view of Redis changed: a new cluster
 * topology (a replica promoted, a slot moved) or a connection made (a node back, the primary the
 * sentinels name after a failover). A read that failed on the old view may work at once on the new
 * one; a back-off grown during the outage would otherwise hold it for seconds after Redis is back.
 *
 * <p>Not every change is news: each topology refresh of a cluster client opens a connection to
 * every node it knows, each made connection counts, and during an outage refreshes come every
 * second or so from each client (and each other client's refresh it asks for). So a connection
 * made ends a failing loop's wait at most once per {@link
 * dev.eventbus.runtime.internal.FailureStreak#CHANGE_SPACING}: a storm of them cannot make a loop
 * retry every few milliseconds. A new topology (a promoted replica, a moved slot: node ids, roles
 * or slots changed) is rare and is the news itself: it ends every wait.
 *
 * <p>One per runtime, shared by all its clients (the readers' and the admin side's): whichever
 * client sees a new topology first wakes every reader, has the failing loops try again now, and
 * has the other cluster clients refresh their topology at once rather than on their own next
 * trigger, seconds later.
 *
 * <p>Thread-safe: changes come from Lettuce's threads, waits from the loops'.
 */
public final class TopologyChanges {

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile long generation;
    /** How many of the changes were new topologies (not only connections made). */
    private volatile long topologies;
    /**
     * Weak: a subscription stopped by a plugin reload drops its loops, and this list (which outlives
     * it) must not keep them, their rounds and so the unloaded plugin's class loader reachable.
     */
    private final List<WeakReference<Loop>> loops = new CopyOnWriteArrayList<>();

    private final List<Runnable> refreshes = new CopyOnWriteArrayList<>();

    /** How many changes so far: read before an attempt, passed to {@link #awaitChange} after it. */
    public long generation() {
        return generation;
    }

    /** Notes a change (a connection made): wakes every waiter and has every failing loop try again ({@link Loop#rewind}). */
    void changed() {
        note(false);
    }

    /**
     * Notes a new topology seen by the client whose refresh is {@code from}: as {@link #changed()},
     * but it ends every wait ({@link #awaitNewTopology}, {@link Loop#rewindForNewTopology}), and
     * every other client refreshes its own topology now.
     */
    void topologyChanged(Runnable from) {
        note(true);
        askRefresh(from);
    }

    /**
     * A client that no reader reads through saw a new topology: every other client refreshes its
     * own now, and the readers' client, once it has the topology too, tells them ({@link
     * #topologyChanged}).
     */
    void askRefresh(Runnable from) {
        for (Runnable refresh : refreshes) {
            if (refresh != from) {
                refresh.run();
            }
        }
    }

    /**
     * A command timed out: its node may be frozen while the cluster (or the sentinels) promote its
     * replica, and nothing else tells the client (the connections stay open, the commands of the
     * other nodes work), so every client reads the cluster's topology, or asks the sentinels for the
     * primary, now rather than at its next periodic refresh (a Sentinel client has none). Each
     * client spaces such refreshes itself.
     */
    public void commandTimedOut() {
        for (Runnable refresh : refreshes) {
            refresh.run();
        }
    }

    /**
     * Whether a client can find another primary when a command times out ({@link #commandTimedOut}):
     * a cluster client (its topology) or a Sentinel client (the sentinels). A client of one node
     * has nowhere else to go.
     */
    public boolean followsFailovers() {
        return !refreshes.isEmpty();
    }

    /**
     * Adds a client's way to refresh its topology at once (it must not block).
     *
     * @return removes it again (when the client closes)
     */
    Runnable addRefresh(Runnable refresh) {
        refreshes.add(refresh);
        return () -> refreshes.remove(refresh);
    }

    private void note(boolean newTopology) {
        lock.lock();
        try {
            generation++;
            if (newTopology) {
                topologies++;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        pruneStopped();
        for (WeakReference<Loop> ref : loops) {
            Loop loop = ref.get();
            if (loop != null) {
                if (newTopology) {
                    loop.rewindForNewTopology();
                } else {
                    loop.rewind();
                }
            }
        }
    }

    /** Has each change cut {@code loop}'s back-off short ({@link Loop#rewind}), until it stops. */
    public void rewindOnChange(Loop loop) {
        pruneStopped();
        loops.add(new WeakReference<>(loop));
    }

    private void pruneStopped() {
        loops.removeIf(ref -> {
            Loop loop = ref.get();
            return loop == null || loop.isStopping();
        });
    }

    /** How many new topologies so far: read before an attempt, passed to {@link #awaitNewTopology} after it. */
    long topologies() {
        return topologies;
    }

    /**
     * Waits up to {@code max}, less once a new topology came after {@code seen} ({@link
     * #topologies()}); connections made do not end this wait.
     *
     * @return whether a new topology ended the wait
     */
    boolean awaitNewTopology(long seen, Duration max) throws InterruptedException {
        return await(() -> topologies, seen, max);
    }

    /**
     * Waits up to {@code max}, less once a change came after {@code seen} (one that came before this
     * call counts too: it ends the wait at once).
     *
     * @return whether a change ended the wait
     */
    boolean awaitChange(long seen, Duration max) throws InterruptedException {
        return await(() -> generation, seen, max);
    }

    /** Waits up to {@code max} while {@code count} is still {@code seen}; whether it moved. */
    private boolean await(LongSupplier count, long seen, Duration max) throws InterruptedException {
        long left = max.toNanos();
        lock.lock();
        try {
            while (count.getAsLong() == seen && left > 0) {
                left = changed.awaitNanos(left);
            }
            return count.getAsLong() != seen;
        } finally {
            lock.unlock();
        }
    }
}
