package dev.eventbus.runtime.dispatch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Per-subject ordering for one subscription: events with the same {@code subject} run one at a
 * time in the order they were read, different subjects run concurrently. An event that fails
 * without a final outcome (its retry is scheduled) holds back only the later events of its own
 * subject, until its retry arrives and succeeds or it is dead-lettered. So does an entry whose
 * retry is scheduled when it is read again from its consumer's pending list (after a restart, a
 * lost read reply, a new lease's claim: {@link #holdForRetry}), though this lane never ran it.
 *
 * <p>Waiting events keep their entry slots, so a subscription with many held subjects stops
 * reading new entries: the in-flight limit bounds memory. Their slots are lent ({@link SlotLender})
 * while they wait, so that the retry or reclaim of the event they wait for is always admitted.
 *
 * <p>Thread-safe. Each subject's lane changes only inside {@link ConcurrentHashMap#compute} for
 * that subject, so events of different subjects do not contend for one lock (the reader submits
 * while workers finish); tasks are started after the lane is updated, outside any lock. A lane
 * exists only while its subject has an event running, waiting or held.
 */
final class SubjectLanes {

    /**
     * An event waiting in its lane, or a hold marker ({@code task} null): an entry whose retry is
     * scheduled, read again behind earlier events of its subject ({@link #holdForRetry}). A marker
     * lends no slot (its entry holds none); at the head of the lane it holds the lane for that
     * retry, and the retry, if it comes first, takes its place ({@link #submit}).
     */
    private static final class Waiting {
        final String entryId;
        Runnable task;

        Waiting(String entryId, Runnable task) {
            this.entryId = entryId;
            this.task = task;
        }

        boolean isMarker() {
            return task == null;
        }
    }

    /** One subject's state; read and written only inside {@code lanes.compute} for its subject. */
    private static final class Lane {
        /** Events waiting for the running one, in read order; null until one has to wait. */
        ArrayDeque<Waiting> waiting;

        boolean running;
        String heldBy;
        /** The running event (its worker abandoned) already reached a final outcome elsewhere. */
        String settledWhileRunning;
        /** Hold markers in {@link #waiting}: the queue is searched for them only when there are any. */
        int markers;

        boolean hasWaiting() {
            return waiting != null && !waiting.isEmpty();
        }

        /** The waiting event or marker of this entry, or null. */
        Waiting find(String entryId) {
            if (waiting != null) {
                for (Waiting w : waiting) {
                    if (w.entryId.equals(entryId)) {
                        return w;
                    }
                }
            }
            return null;
        }

        /** The hold marker of this entry, or null (no search when the lane has none). */
        Waiting marker(String entryId) {
            if (markers == 0) {
                return null;
            }
            Waiting w = find(entryId);
            return w != null && w.isMarker() ? w : null;
        }
    }

    private final Executor workers;
    private final SlotLender slots;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    /**
     * Entry id to subject of each held lane and each hold marker (both wait for that entry's
     * retry), and of each running event whose worker was abandoned: such an entry can reach its
     * outcome on another path, even without its fields (trimmed), and its lane must learn of it.
     */
    private final ConcurrentHashMap<String, String> held = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, String> abandoned = new ConcurrentHashMap<>();
    private volatile boolean closed;

    SubjectLanes(Executor workers) {
        this(workers, SlotLender.NONE);
    }

    /** @param slots the subscription's slots, told of each event that starts and stops waiting */
    SubjectLanes(Executor workers, SlotLender slots) {
        this.workers = workers;
        this.slots = slots;
    }

    /** Runs the task now, or after the earlier events of its subject. */
    void submit(String subject, String entryId, Runnable task) {
        Runnable[] start = new Runnable[1];
        lanes.compute(subject, (s, lane) -> {
            Lane l = lane == null ? new Lane() : lane;
            Waiting marker;
            if (entryId.equals(l.heldBy)) {
                unhold(l, entryId); // the retry of the event holding the lane: it goes first
            } else if ((marker = l.marker(entryId)) != null) {
                // The retry of an entry whose marker still waits behind earlier events: it waits in
                // the marker's place, ahead of the later events that wait for it (behind them, it
                // would wait for itself).
                marker.task = task;
                l.markers--;
                held.remove(entryId);
                slots.lend();
                return l;
            } else if (l.running || l.heldBy != null || l.hasWaiting()) {
                if (l.waiting == null) {
                    l.waiting = new ArrayDeque<>(4);
                }
                l.waiting.add(new Waiting(entryId, task));
                slots.lend();
                return l;
            }
            l.running = true;
            start[0] = task;
            return l;
        });
        if (start[0] != null) {
            workers.execute(start[0]);
        }
    }

    /**
     * An entry whose retry is scheduled was read again (its consumer's own pending entries, read
     * from the start): it is not run now, but its subject's later events must wait for its retry.
     * An idle lane is held for it at once, as after a failed run; a busy one gets a hold marker
     * behind the events already in it, which holds the lane when it reaches the head. Nothing
     * changes when the lane already waits for this entry (held, marked, or its retry queued).
     */
    void holdForRetry(String subject, String entryId) {
        if (closed) {
            return;
        }
        lanes.compute(subject, (s, lane) -> {
            Lane l = lane == null ? new Lane() : lane;
            if (entryId.equals(l.heldBy) || l.find(entryId) != null) {
                return l;
            }
            held.put(entryId, subject);
            if (l.running || l.heldBy != null || l.hasWaiting()) {
                if (l.waiting == null) {
                    l.waiting = new ArrayDeque<>(4);
                }
                l.waiting.add(new Waiting(entryId, null));
                l.markers++;
            } else {
                l.heldBy = entryId;
            }
            return l;
        });
    }

    /**
     * The running event of a subject reached an outcome.
     *
     * @param resolved true when final (handled or dead-lettered); false holds the lane for its retry
     */
    void finished(String subject, String entryId, boolean resolved) {
        Runnable[] start = new Runnable[1];
        abandoned.remove(entryId);
        lanes.computeIfPresent(subject, (s, lane) -> {
            lane.running = false;
            boolean done = resolved || entryId.equals(lane.settledWhileRunning);
            lane.settledWhileRunning = null;
            // Its own marker, if a read of the pending entries saw its retry scheduled while it still ran.
            Waiting marker = lane.marker(entryId);
            if (marker != null) {
                lane.waiting.remove(marker);
                lane.markers--;
                held.remove(entryId);
            }
            if (!done) {
                // Its retry may have arrived while it was still running (an abandoned worker).
                Waiting retry = lane.find(entryId);
                if (retry == null) {
                    lane.heldBy = entryId;
                    held.put(entryId, subject);
                    return lane;
                }
                lane.waiting.remove(retry);
                slots.takeBack();
                lane.running = true;
                start[0] = retry.task;
                return lane;
            }
            return startNext(lane, start);
        });
        if (start[0] != null) {
            workers.execute(start[0]);
        }
    }

    /** The watchdog abandoned the worker of a subject's running event, which fails as a timeout. */
    void abandoned(String subject, String entryId) {
        abandoned.put(entryId, subject);
    }

    /**
     * An entry reached a final outcome without coming back through its lane: it was trimmed from
     * the stream, went past max-deliveries or was settled by another consumer while its retry was
     * due, or its abandoned worker's timeout was dead-lettered. If it holds its lane, the lane goes
     * on; if it still runs on an abandoned worker, the lane goes on when that worker ends.
     */
    void settledElsewhere(String entryId) {
        String subject = held.get(entryId);
        if (subject == null) {
            subject = abandoned.get(entryId);
        }
        if (subject == null) {
            return; // not in a lane: nothing waits for it
        }
        Runnable[] start = new Runnable[1];
        lanes.computeIfPresent(subject, (s, lane) -> {
            if (!entryId.equals(lane.heldBy)) {
                Waiting marker = lane.marker(entryId);
                if (marker != null) { // nothing will wait for it when it reaches the head
                    lane.waiting.remove(marker);
                    lane.markers--;
                    held.remove(entryId);
                }
                if (lane.running && (marker == null || abandoned.containsKey(entryId))) {
                    lane.settledWhileRunning = entryId; // finished() takes it as final
                }
                return lane;
            }
            unhold(lane, entryId);
            return startNext(lane, start);
        });
        if (start[0] != null) {
            workers.execute(start[0]);
        }
    }

    /** The lane no longer waits for this entry's retry. */
    private void unhold(Lane lane, String entryId) {
        lane.heldBy = null;
        held.remove(entryId);
        abandoned.remove(entryId); // registered after its worker ended, when that raced the watchdog
    }

    /**
     * Starts the lane's next waiting event, if any, in {@code start}; called with nothing running
     * or held. A hold marker next holds the lane for its entry's retry instead.
     *
     * @return the lane, or null when nothing waits either and it goes
     */
    private Lane startNext(Lane lane, Runnable[] start) {
        Waiting next = lane.waiting == null ? null : lane.waiting.poll();
        if (next == null) {
            return null;
        }
        if (next.isMarker()) {
            lane.markers--;
            lane.heldBy = next.entryId; // already in held
            return lane;
        }
        slots.takeBack();
        lane.running = true;
        start[0] = next.task;
        return lane;
    }

    /**
     * The subscription stopped: hands back the events still waiting in lanes, none of which will
     * start. Tasks that run after this see {@link #isClosed()} and must settle without a call.
     */
    List<Runnable> close() {
        closed = true;
        List<Runnable> waiting = new ArrayList<>();
        for (String subject : lanes.keySet()) {
            lanes.computeIfPresent(subject, (s, lane) -> {
                if (lane.waiting != null) {
                    lane.waiting.forEach(w -> {
                        if (!w.isMarker()) { // a marker stands for no event here
                            waiting.add(w.task);
                            slots.takeBack();
                        }
                    });
                    lane.waiting.clear();
                    lane.markers = 0;
                }
                return lane.running ? lane : null;
            });
        }
        held.clear();
        return waiting;
    }

    /** Entries holding a lane for their retry now, or that will once the events ahead of them are done. */
    Set<String> heldForRetry() {
        return Set.copyOf(held.keySet());
    }

    boolean isClosed() {
        return closed;
    }
}
