package dev.eventbus.runtime.dispatch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
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
 * <p>Tasks that come in a {@link #burst} (one read's entries, handed over in a loop) are queued
 * in batches of {@value #BURST_WORK_NANOS} ns of work, at the mean task time, and start no worker
 * before the first batch is queued: a worker started for the first of them would take each as it
 * comes, find the queue empty between two, end and be started again, a thread per handful of fast
 * events. A batch is one queue node for its tasks, which workers take one at a time through the
 * batch's cursor: so a fast handler's events cost the reader and the workers one shared update each
 * rather than four (the queue's two ends and two counters), while a worker stuck in one task holds
 * only that task: the batch's others go to the other workers, or to those {@link #unstick} starts.
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

    /** In a burst, how much work (at the mean task time) is queued as one batch, and starts the first worker. */
    static final long BURST_WORK_NANOS = 50_000;

    /** Tasks faster than this on average get at most a worker per core. */
    static final long FAST_TASK_NANOS = 10_000;

    /** Tasks one by one ({@link #execute}), and batches of a burst's ({@link Batch}). */
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();

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
    /**
     * Recent mean time of a task, ns; negative until one finished (then every task may start a
     * worker). Written opaque, not volatile: a guess needs no fence, and a fenced store per event
     * cost the workers more than the guess saves.
     */
    @SuppressWarnings("unused") // through MEAN
    private long meanNanos = -1;

    private static final VarHandle MEAN;

    static {
        try {
            MEAN = MethodHandles.lookup().findVarHandle(WorkerPool.class, "meanNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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
        startIfWanted();
    }

    /** After tasks were queued: a worker more, if they would wait too long for the busy ones. */
    private void startIfWanted() {
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
     * Runs {@code queueing}, which hands tasks in a loop to the executor it is given: they are queued
     * in batches of {@value #BURST_WORK_NANOS} ns of work, at the mean task time (one by one while
     * no task has finished yet, or once a task takes that long), and when {@code queueing} returns or
     * throws, the rest are queued and the workers they need start. Until then no first worker starts
     * for less than a batch; tasks {@link #execute}d meanwhile, by this thread or others, wait for
     * its end as well.
     */
    void burst(Consumer<Executor> queueing) {
        bursts.incrementAndGet();
        Batching batching = new Batching();
        try {
            queueing.accept(batching);
        } finally {
            try {
                batching.queueRest();
            } finally {
                bursts.decrementAndGet();
                startForQueued();
            }
        }
    }

    /** A burst's executor: gathers tasks and queues each batch's worth as one. */
    private final class Batching implements Executor {
        /** Null after a batch was queued, until the next task: its array is the batch's now. */
        private Runnable[] tasks;

        private int size;
        private int capacity = 16;

        @Override
        public void execute(Runnable task) {
            if (tasks == null) {
                tasks = new Runnable[capacity];
            } else if (size == tasks.length) {
                tasks = Arrays.copyOf(tasks, size * 2);
            }
            tasks[size++] = task;
            long mean = (long) MEAN.getOpaque(WorkerPool.this);
            if (mean < 0 || size * mean >= BURST_WORK_NANOS) {
                queueRest();
            }
        }

        void queueRest() {
            if (size == 0) {
                return;
            }
            queue.offer(size == 1 ? tasks[0] : new Batch(tasks, size));
            offered.addAndGet(size);
            capacity = tasks.length;
            tasks = null;
            size = 0;
            startIfWanted();
        }
    }

    /**
     * Tasks queued as one node: workers take them in order, one each time, through its cursor. The
     * array is filled before the batch is queued (which publishes it) and not written after but
     * to let go of a task taken.
     */
    private static final class Batch {
        private final Runnable[] tasks;
        private final int size;

        @SuppressWarnings("unused") // through NEXT
        private volatile int next;

        private static final VarHandle NEXT;

        static {
            try {
                NEXT = MethodHandles.lookup().findVarHandle(Batch.class, "next", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        Batch(Runnable[] tasks, int size) {
            this.tasks = tasks;
            this.size = size;
        }

        /** The next task, to the caller alone; null once all were taken. */
        Runnable take() {
            int i = (int) NEXT.getAndAdd(this, 1);
            if (i >= size) {
                return null;
            }
            Runnable task = tasks[i];
            tasks[i] = null; // the batch may wait for its last task long after this one ran
            return task;
        }

        boolean allTaken() {
            return (int) NEXT.getOpaque(this) >= size;
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
        long mean = (long) MEAN.getOpaque(this);
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
        while ((task = next()) != null) {
            taken.incrementAndGet();
            task.run();
        }
    }

    /**
     * Takes the next queued task, or null when none is left: a task queued alone, or the next of
     * the batch at the head of the queue. A batch leaves the queue once all its tasks were taken,
     * by the worker that took the last (and any that found it empty meanwhile).
     */
    private Runnable next() {
        for (; ; ) {
            Object head = queue.peek();
            if (head instanceof Batch batch) {
                Runnable task = batch.take();
                if (task == null || batch.allTaken()) {
                    queue.remove(batch); // a batch is near the head: a short walk, even when another removed it first
                }
                if (task != null) {
                    return task;
                }
                continue;
            }
            Object polled = queue.poll();
            if (!(polled instanceof Batch batch)) {
                return (Runnable) polled; // null: none left
            }
            // The head was taken between the look and the poll, and a batch was behind it: what
            // it has left goes behind the rest. Only a burst's tasks are batched, an unordered
            // handler's events (their order is not kept beyond this pool's start order anyway, once
            // more than one worker runs); a subject's events wait in its lane, one queued at a time.
            Runnable task = batch.take();
            if (!batch.allTaken()) {
                queue.offer(batch);
            }
            if (task != null) {
                return task;
            }
        }
    }

    /** Workers now: running a task, or about to take one or end. */
    int workers() {
        return workers.get();
    }

    private boolean backlogged(int w) {
        long mean = (long) MEAN.getOpaque(this);
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
            while ((task = next()) != null) {
                taken.incrementAndGet();
                try {
                    task.run();
                } catch (Throwable t) {
                    // Tasks decide every outcome themselves; this only keeps the worker alive.
                    Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), t);
                }
                long end = nanoTime.getAsLong();
                MEAN.setOpaque(this, nextMean((long) MEAN.getOpaque(this), end - start));
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
