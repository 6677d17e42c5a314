package dev.eventbus.runtime.dispatch;

import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Per-subject ordering for one subscription: events with the same {@code subject} run one at a
 * time in the order they were read, different subjects run concurrently. An event that fails
 * without a final outcome (its retry is scheduled) holds back only the later events of its own
 * subject, until its retry arrives and succeeds or it is dead-lettered.
 *
 * <p>Waiting events keep their worker slots, so a subscription with many held subjects stops
 * reading new entries: the in-flight limit bounds memory.
 *
 * <p>Thread-safe. Each subject's lane changes only inside {@link ConcurrentHashMap#compute} for
 * that subject, so events of different subjects do not contend for one lock (the reader submits
 * while workers finish); tasks are started after the lane is updated, outside any lock. A lane
 * exists only while its subject has an event running, waiting or held.
 */
final class SubjectLanes {

    private record Waiting(String entryId, Runnable task) {}

    /** One subject's state; read and written only inside {@code lanes.compute} for its subject. */
    private static final class Lane {
        /** Events waiting for the running one, in read order; null until one has to wait. */
        ArrayDeque<Waiting> waiting;
        boolean running;
        String heldBy;
        /** The running event, abandoned by the watchdog, already reached a final outcome. */
        String settledWhileRunning;

        boolean hasWaiting() {
            return waiting != null && !waiting.isEmpty();
        }
    }

    private final Executor workers;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    /** Entry id to subject of each held lane: a held entry can come back without its fields (trimmed). */
    private final ConcurrentHashMap<String, String> held = new ConcurrentHashMap<>();

    SubjectLanes(Executor workers) {
        this.workers = workers;
    }

    /** Runs the task now, or after the earlier events of its subject. */
    void submit(String subject, String entryId, Runnable task) {
        Runnable[] start = new Runnable[1];
        lanes.compute(subject, (s, lane) -> {
            Lane l = lane == null ? new Lane() : lane;
            if (entryId.equals(l.heldBy)) {
                l.heldBy = null; // the retry of the event holding the lane: it goes first
                held.remove(entryId);
            } else if (l.running || l.heldBy != null || l.hasWaiting()) {
                if (l.waiting == null) {
                    l.waiting = new ArrayDeque<>(4);
                }
                l.waiting.add(new Waiting(entryId, task));
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
     * The running event of a subject reached an outcome.
     *
     * @param resolved true when final (handled or dead-lettered); false holds the lane for its retry
     */
    void finished(String subject, String entryId, boolean resolved) {
        Runnable[] start = new Runnable[1];
        lanes.computeIfPresent(subject, (s, lane) -> {
            lane.running = false;
            boolean done = resolved || entryId.equals(lane.settledWhileRunning);
            lane.settledWhileRunning = null;
            if (!done) {
                Waiting retry = null;
                if (lane.waiting != null) {
                    for (Waiting w : lane.waiting) {
                        if (w.entryId().equals(entryId)) {
                            retry = w; // its retry arrived while it was still running (an abandoned worker)
                        }
                    }
                }
                if (retry == null) {
                    lane.heldBy = entryId;
                    held.put(entryId, subject);
                    return lane;
                }
                lane.waiting.remove(retry);
                lane.running = true;
                start[0] = retry.task();
                return lane;
            }
            Waiting next = lane.waiting == null ? null : lane.waiting.poll();
            if (next == null) {
                return null; // nothing running, waiting or held: the lane goes
            }
            lane.running = true;
            start[0] = next.task();
            return lane;
        });
        if (start[0] != null) {
            workers.execute(start[0]);
        }
    }

    /**
     * The watchdog abandoned the running event of a subject and its failure reached a final outcome
     * (dead-lettered) before or after its worker really ended: the lane must not wait for a retry.
     */
    void settledWhileRunning(String subject, String entryId) {
        lanes.computeIfPresent(subject, (s, lane) -> {
            if (lane.running) {
                lane.settledWhileRunning = entryId; // finished() will see it as resolved
            }
            return lane;
        });
        settledOutside(entryId); // the worker already ended and the lane holds for it
    }

    /**
     * An entry reached a final outcome without coming back through its lane: it was trimmed from
     * the stream or went past max-deliveries while its retry was due. If it held a lane, the lane
     * goes on; otherwise nothing happens.
     */
    void settledOutside(String entryId) {
        String subject = held.remove(entryId);
        if (subject == null) {
            return;
        }
        Runnable[] start = new Runnable[1];
        lanes.computeIfPresent(subject, (s, lane) -> {
            if (!entryId.equals(lane.heldBy)) {
                return lane;
            }
            lane.heldBy = null;
            Waiting next = lane.waiting == null ? null : lane.waiting.poll();
            if (next == null) {
                return null;
            }
            lane.running = true;
            start[0] = next.task();
            return lane;
        });
        if (start[0] != null) {
            workers.execute(start[0]);
        }
    }
}
