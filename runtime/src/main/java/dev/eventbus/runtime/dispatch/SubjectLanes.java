package dev.eventbus.runtime.dispatch;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
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
 * <p>Thread-safe (one lock per subscription; held only to move tasks, never while they run).
 */
final class SubjectLanes {

    private record Waiting(String entryId, Runnable task) {}

    private static final class Lane {
        final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
        boolean running;
        String heldBy;
    }

    private final Executor workers;
    private final Map<String, Lane> lanes = new HashMap<>();

    SubjectLanes(Executor workers) {
        this.workers = workers;
    }

    /** Runs the task now, or after the earlier events of its subject. */
    synchronized void submit(String subject, String entryId, Runnable task) {
        Lane lane = lanes.computeIfAbsent(subject, s -> new Lane());
        if (entryId.equals(lane.heldBy)) {
            lane.heldBy = null; // the retry of the event holding the lane: it goes first
            lane.running = true;
            workers.execute(task);
            return;
        }
        if (lane.running || lane.heldBy != null || !lane.waiting.isEmpty()) {
            lane.waiting.add(new Waiting(entryId, task));
            return;
        }
        lane.running = true;
        workers.execute(task);
    }

    /**
     * The running event of a subject reached an outcome.
     *
     * @param resolved true when final (handled or dead-lettered); false holds the lane for its retry
     */
    synchronized void finished(String subject, String entryId, boolean resolved) {
        Lane lane = lanes.get(subject);
        if (lane == null) {
            return;
        }
        lane.running = false;
        if (!resolved) {
            Waiting retry = null;
            for (Waiting w : lane.waiting) {
                if (w.entryId().equals(entryId)) {
                    retry = w; // its retry arrived while it was still running (an abandoned worker)
                }
            }
            if (retry == null) {
                lane.heldBy = entryId;
                return;
            }
            lane.waiting.remove(retry);
            lane.running = true;
            workers.execute(retry.task());
            return;
        }
        Waiting next = lane.waiting.poll();
        if (next == null) {
            lanes.remove(subject);
            return;
        }
        lane.running = true;
        workers.execute(next.task());
    }
}
