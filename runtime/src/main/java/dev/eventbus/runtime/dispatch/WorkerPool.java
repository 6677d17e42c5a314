package dev.eventbus.runtime.dispatch;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The workers of one subscription: at most {@code limit} threads (max-in-flight), each taking
 * queued tasks one after another until none is left, then ending.
 *
 * <p>A thread per task costs a thread start, a fresh thread-local map for the logging context and
 * an entry in the JVM's thread registry: more than a fast handler itself. So the pool grows only
 * when the queue would otherwise wait: when the tasks queued, at the recent mean task time, would
 * keep the current workers busy for longer than {@value #GROW_AFTER_NANOS} ns. A slow handler
 * (a gRPC call) gets a worker per task at once, up to the limit; a no-op one runs a read's worth
 * of events on a handful of threads. The mean is only a guess: a queue that did not move for one
 * {@link #unstick check} while a task ran all along gets workers for all it holds, so a handler
 * that turns slow delays the events behind it by one check period at most.
 *
 * <p>Tasks that come in a {@link #burst} (one read's entries, handed over in a loop) start no
 * worker until {@value #BURST_WORK_NANOS} ns of them are queued, at the mean task time: a worker
 * started for the first of them would take each as it comes, find the queue empty between two, end
 * and be started again, a thread per handful of fast events.
 *
 * <p>Fast tasks (a mean under {@value #FAST_TASK_NANOS} ns) get no more workers than the machine has
 * cores: they run on the CPU, so more threads cannot finish them sooner, and each extra one is a
 * thread start (in a cluster drain's profile, a worker per few dozen no-op events). A fast handler
 * that turns slow is covered by the mean, which follows it, and by {@link #unstick()}.
 *
 * <p>Thread-safe.
 */
final class WorkerPool implements Executor {

    /** How long queued tasks may wait for a busy worker before another worker starts. */
    static final long GROW_AFTER_NANOS = 100_000;

    /** In a burst, how much queued work (at the mean task time) starts the first worker before its end. */
    static final long BURST_WORK_NANOS = 50_000;

    /** Tasks faster than this on average get at most a worker per core. */
    static final long FAST_TASK_NANOS = 10_000;

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong taken = new AtomicLong();
    private final AtomicInteger workers = new AtomicInteger();
    /** Bursts under way ({@link #burst}): while any is, a first worker waits for enough queued work. */
    private final AtomicInteger bursts = new AtomicInteger();

    private final Executor threads;
    private final int limit;
    /** The most workers for fast tasks. */
    private final int cores;

    private final LongSupplier nanoTime;
    /** Recent mean time of a task, ns; negative until one finished (then every task may start a worker). */
    private volatile long meanNanos = -1;

    private long takenAtLastCheck;

    /**
     * @param threads starts each worker on a thread of its own
     * @param limit how many tasks may run at once
     */
    WorkerPool(Executor threads, int limit) {
        this(threads, limit, Runtime.getRuntime().availableProcessors(), System::nanoTime);
    }

    /** @param cores the most workers for fast tasks */
    WorkerPool(Executor threads, int limit, int cores, LongSupplier nanoTime) {
        this.threads = threads;
        this.limit = limit;
        this.cores = Math.max(1, cores);
        this.nanoTime = nanoTime;
    }

    /** Runs the task when a worker is free; starts a worker if it would wait too long for one. */
    @Override
    public void execute(Runnable task) {
        queue.offer(task);
        offered.incrementAndGet();
        for (; ; ) {
            int w = workers.get();
            if (w >= limit || (w > 0 ? !backlogged(w) : bursts.get() > 0 && !burstWorthAWorker())) {
                return;
            }
            if (workers.compareAndSet(w, w + 1)) { // re-checked on a race: another task may have added one
                start();
                return;
            }
        }
    }

    /**
     * Runs {@code queueing}, which queues tasks in a loop ({@link #execute}), then starts the
     * workers what it queued needs. Until it returns, no first worker starts for less than
     * {@value #BURST_WORK_NANOS} ns of queued work; tasks queued meanwhile by other threads wait
     * for its end as well, which comes once {@code queueing} returns or throws.
     */
    void burst(Runnable queueing) {
        bursts.incrementAndGet();
        try {
            queueing.run();
        } finally {
            bursts.decrementAndGet();
            startForQueued();
        }
    }

    /** A first worker for what is queued, and more while it is backlogged, up to the limit. */
    private void startForQueued() {
        for (; ; ) {
            int w = workers.get();
            if (queue.isEmpty() || w >= limit || (w > 0 && !backlogged(w))) {
                return;
            }
            if (workers.compareAndSet(w, w + 1)) {
                start();
            }
        }
    }

    private boolean burstWorthAWorker() {
        long mean = meanNanos;
        return mean < 0 || (offered.get() - taken.get()) * mean >= BURST_WORK_NANOS;
    }

    /**
     * Called periodically: when the queue holds tasks, none was taken since the last call, and a
     * task has been running all that time, the workers are stuck in slow tasks, so more start, one
     * per queued task up to the limit.
     *
     * <p>Without a task running, a queue that did not move is waiting for its workers to be
     * scheduled: on a busy machine a virtual thread can wait that long for a carrier, behind the
     * other subscriptions' workers. More workers would only wait behind them too, then each take a
     * handful of tasks and end (over two fifths of the worker starts in a cluster drain on 2 cores).
     *
     * @param busy a task has been running since before the last call (or a worker was abandoned
     *     in one): the {@link Watchdog} sees it. A queue with no worker at all (a worker's start
     *     failed) gets workers without it.
     */
    void unstick(boolean busy) {
        long t = taken.get();
        long waiting = offered.get() - t;
        // Inside a burst tasks wait on purpose, until enough are queued: not stuck.
        // No worker at all (one failed to start): nobody waits for a carrier, so one starts.
        boolean stuck = (busy || workers.get() == 0) && waiting > 0 && t == takenAtLastCheck && bursts.get() == 0;
        takenAtLastCheck = t;
        while (stuck && waiting-- > 0 && addWorker()) {
            // one more worker per queued task, up to the limit
        }
    }

    /**
     * Runs every queued task on the calling thread: at shutdown, when tasks end without calling
     * their handler, and the workers may all be stuck in handlers that ignore interrupts.
     */
    void runQueuedHere() {
        Runnable task;
        while ((task = queue.poll()) != null) {
            taken.incrementAndGet();
            task.run();
        }
    }

    /** Workers now: running a task, or about to take one or end. */
    int workers() {
        return workers.get();
    }

    private boolean backlogged(int w) {
        long mean = meanNanos;
        if (mean < 0) {
            return true;
        }
        if (mean < FAST_TASK_NANOS && w >= cores) {
            return false; // fast work on every core already: another thread would only be started and ended
        }
        return (offered.get() - taken.get()) * mean > GROW_AFTER_NANOS * w;
    }

    private void start() {
        try {
            threads.execute(this::work);
        } catch (RuntimeException | Error e) {
            workers.decrementAndGet();
            throw e;
        }
    }

    private void work() {
        do {
            Runnable task;
            // One clock read per task: a task's end is the next one's start (the poll between them
            // is counted in, tens of ns against the thresholds' microseconds).
            long start = nanoTime.getAsLong();
            while ((task = queue.poll()) != null) {
                taken.incrementAndGet();
                try {
                    task.run();
                } catch (Throwable t) {
                    // Tasks decide every outcome themselves; this only keeps the worker alive.
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), t);
                }
                long end = nanoTime.getAsLong();
                meanNanos = nextMean(meanNanos, end - start);
                start = end;
            }
            workers.decrementAndGet();
            // A task offered between the last poll and the decrement may have seen this worker and
            // started none: take it back on, unless the pool is full again.
        } while (!queue.isEmpty() && reserveWorker());
    }

    /**
     * The recent mean task time after one more task. A single task counts for at most four times
     * the mean: on a machine that runs Redis too, a fast task now and then takes a hundred times
     * its usual time (its thread was descheduled, a GC paused it), and the raw mean then looked
     * slow enough to start a worker per few queued tasks, up to the limit, each of them to run a
     * handful of tasks and end. A handler that really turns slow still raises the mean by more than
     * a third per task, so it gets its workers within a dozen or so.
     */
    static long nextMean(long mean, long took) {
        if (mean < 0) {
            return took;
        }
        long sample = Math.min(took, 4 * mean + 1_000);
        return mean + (sample - mean) / 8;
    }

    /** Counts one more worker unless the pool is full; true when counted. */
    private boolean reserveWorker() {
        for (; ; ) {
            int w = workers.get();
            if (w >= limit) {
                return false;
            }
            if (workers.compareAndSet(w, w + 1)) {
                return true;
            }
        }
    }

    /** Starts one more worker unless the pool is full; true when started. */
    private boolean addWorker() {
        if (!reserveWorker()) {
            return false;
        }
        start();
        return true;
    }
}
