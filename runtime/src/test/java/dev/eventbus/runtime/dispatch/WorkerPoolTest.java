package dev.eventbus.runtime.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    /** Starts no thread: the test runs each worker the pool started, when it wants. */
    private static final class ManualThreads implements Executor {
        final Queue<Runnable> started = new ArrayDeque<>();

        @Override
        public void execute(Runnable worker) {
            started.add(worker);
        }

        void runNext() {
            started.remove().run();
        }
    }

    /** Cores enough that fast tasks are never capped by them (see the test of that cap). */
    private static final int NO_CORE_CAP = 1_000;

    private final ManualThreads threads = new ManualThreads();
    /** The pool's clock; each task below advances it by how long it "takes". */
    private final AtomicLong now = new AtomicLong();

    private final List<String> ran = new ArrayList<>();

    private Runnable task(String name, long takesNanos) {
        return () -> {
            now.addAndGet(takesNanos);
            ran.add(name);
        };
    }

    @Test
    void aSlowTaskGetsAWorkerAtOnceUpToTheLimit() {
        WorkerPool pool = new WorkerPool(threads, 3, NO_CORE_CAP, now::get);
        pool.execute(task("a", 5_000_000));
        threads.runNext(); // the mean is now 5 ms
        for (String name : List.of("b", "c", "d", "e")) {
            pool.execute(task(name, 5_000_000));
        }
        assertEquals(3, threads.started.size(), "one worker per queued slow task, capped at the limit");
        assertEquals(3, pool.workers());
        threads.runNext(); // this worker runs what is queued, in order, then ends
        assertEquals(List.of("a", "b", "c", "d", "e"), ran);
        threads.runNext();
        threads.runNext(); // found nothing left
        assertEquals(0, pool.workers());
    }

    @Test
    void fastTasksShareOneWorkerUntilTheQueueWouldWaitTooLong() {
        WorkerPool pool = new WorkerPool(threads, 100, NO_CORE_CAP, now::get);
        pool.execute(task("warm-up", 1_000));
        threads.runNext(); // the mean is now 1 us
        for (int i = 0; i < 100; i++) {
            pool.execute(task("t" + i, 1_000));
        }
        // 100 queued x 1 us = 100 us: one worker is enough (another would start past 100 us).
        assertEquals(1, threads.started.size());
        pool.execute(task("t100", 1_000));
        assertEquals(2, threads.started.size(), "101 us of work queued for one worker: a second starts");
        threads.runNext();
        threads.runNext();
        assertEquals(102, ran.size());
        assertEquals(0, pool.workers());
    }

    @Test
    void fastTasksGetNoMoreWorkersThanCoresButSlowOnesDo() {
        WorkerPool pool = new WorkerPool(threads, 100, 2, now::get);
        pool.execute(task("warm-up", 1_000));
        threads.runNext(); // the mean is now 1 us: fast
        for (int i = 0; i < 1_000; i++) {
            pool.execute(task("t" + i, 1_000));
        }
        assertEquals(2, threads.started.size(), "1 ms of fast work queued: a worker per core, not ten");
        for (int i = 0; i < 30; i++) {
            pool.execute(task("slow" + i, 10_000_000));
        }
        threads.runNext(); // runs all queued: the handler turned slow, and the mean follows
        threads.runNext();
        for (int i = 0; i < 3; i++) {
            pool.execute(task("s" + i, 10_000_000));
        }
        assertEquals(3, threads.started.size(), "slow tasks get a worker each, past the cores");
        while (!threads.started.isEmpty()) {
            threads.runNext();
        }
        assertEquals(0, pool.workers());
    }

    @Test
    void oneTaskThatTookLongNowAndThenDoesNotMakeFastTasksLookSlow() {
        long mean = 2_000;
        mean = WorkerPool.nextMean(mean, 500_000); // descheduled for half a millisecond
        assertTrue(mean < WorkerPool.FAST_TASK_NANOS, "one outlier counts for at most 4x the mean: " + mean);
        for (int i = 0; i < 20; i++) {
            mean = WorkerPool.nextMean(mean, 1_000_000); // the handler really turned slow
        }
        assertTrue(mean > 100_000, "a handler that turned slow raises the mean within a few dozen tasks: " + mean);
        assertEquals(7, WorkerPool.nextMean(-1, 7), "the first task sets the mean");
    }

    @Test
    void tasksWaitingInsideABurstForEnoughWorkAreNotStuck() {
        WorkerPool pool = new WorkerPool(threads, 10, NO_CORE_CAP, now::get);
        pool.execute(task("warm-up", 1_000));
        threads.runNext();
        pool.burst(() -> {
            pool.execute(task("t0", 1_000));
            pool.unstick(true);
            pool.unstick(true); // no task taken between two checks, but the burst is still queuing
            assertEquals(0, threads.started.size(), "a burst's queue below its threshold is not stuck");
        });
        assertEquals(1, threads.started.size(), "the end of the burst starts its worker");
        threads.runNext();
        assertEquals(List.of("warm-up", "t0"), ran);
    }

    @Test
    void aBurstOfFastTasksStartsItsFirstWorkerOnceEnoughIsQueued() {
        WorkerPool pool = new WorkerPool(threads, 100, NO_CORE_CAP, now::get);
        pool.execute(task("warm-up", 1_000));
        threads.runNext(); // the mean is now 1 us: 50 queued are 50 us of work
        pool.burst(() -> {
            for (int i = 0; i < 49; i++) {
                pool.execute(task("t" + i, 1_000));
            }
            assertEquals(0, threads.started.size(), "49 us of queued work starts no worker inside a burst");
            pool.execute(task("t49", 1_000));
            assertEquals(1, threads.started.size(), "50 us of queued work starts the first worker");
            threads.runNext(); // it takes all 50 and ends
            pool.execute(task("t50", 1_000));
        });
        assertEquals(1, threads.started.size(), "the end of the burst starts a worker for what it left queued");
        threads.runNext();
        assertEquals(52, ran.size());
        assertEquals(0, pool.workers());
    }

    @Test
    void aBurstThatThrowsStillStartsAWorkerForWhatItQueued() {
        WorkerPool pool = new WorkerPool(threads, 10, NO_CORE_CAP, now::get);
        pool.execute(task("warm-up", 1_000));
        threads.runNext();
        assertThrows(
                IllegalStateException.class,
                () -> pool.burst(() -> {
                    pool.execute(task("a", 1_000));
                    throw new IllegalStateException("boom");
                }));
        assertEquals(1, threads.started.size());
        threads.runNext();
        assertEquals(List.of("warm-up", "a"), ran);
    }

    @Test
    void aBurstOfSlowTasksStartsAWorkerPerTaskAtOnce() {
        WorkerPool pool = new WorkerPool(threads, 3, NO_CORE_CAP, now::get);
        pool.execute(task("warm-up", 5_000_000));
        threads.runNext(); // the mean is now 5 ms
        pool.burst(() -> {
            pool.execute(task("a", 5_000_000));
            pool.execute(task("b", 5_000_000));
            assertEquals(2, threads.started.size(), "a slow task is worth a worker as soon as it is queued");
        });
    }

    @Test
    void beforeAnyTaskFinishedEveryTaskMayStartAWorker() {
        WorkerPool pool = new WorkerPool(threads, 2, NO_CORE_CAP, now::get);
        pool.execute(task("a", 0));
        pool.execute(task("b", 0));
        pool.execute(task("c", 0));
        assertEquals(2, threads.started.size(), "the handler's speed is unknown: as if slow, up to the limit");
    }

    @Test
    void aQueueThatDidNotMoveBetweenTwoChecksGetsMoreWorkers() {
        WorkerPool pool = new WorkerPool(threads, 10, NO_CORE_CAP, now::get);
        pool.execute(task("warm-up", 1_000));
        threads.runNext(); // fast so far: later tasks wait for the one worker
        for (int i = 0; i < 4; i++) {
            pool.execute(task("t" + i, 1_000));
        }
        assertEquals(1, threads.started.size());
        pool.unstick(true); // first look: it may just not have run yet
        assertEquals(1, threads.started.size());
        pool.unstick(true); // nothing was taken since, a task ran all along: stuck in a task that turned slow
        assertEquals(5, threads.started.size(), "a worker for each of the 4 queued tasks");
        assertEquals(5, pool.workers());
    }

    @Test
    void aQueueLeftWithoutAnyWorkerGetsOneAtTheNextChecks() {
        boolean[] refuse = {true};
        WorkerPool pool = new WorkerPool(
                task -> {
                    if (refuse[0]) {
                        refuse[0] = false;
                        throw new IllegalStateException("no thread now");
                    }
                    threads.execute(task);
                },
                10,
                NO_CORE_CAP,
                now::get);
        assertThrows(IllegalStateException.class, () -> pool.execute(task("a", 1_000)));
        assertEquals(0, pool.workers(), "its start failed: queued, no worker");
        pool.unstick(false);
        pool.unstick(false); // nothing runs, and nothing waits to be scheduled either
        assertEquals(1, threads.started.size(), "a worker for the stranded task");
        threads.runNext();
        assertEquals(List.of("a"), ran);
    }

    @Test
    void aQueueThatDidNotMoveWithNoTaskRunningWaitsForItsWorkers() {
        WorkerPool pool = new WorkerPool(threads, 10, NO_CORE_CAP, now::get);
        pool.execute(task("warm-up", 1_000));
        threads.runNext();
        for (int i = 0; i < 4; i++) {
            pool.execute(task("t" + i, 1_000));
        }
        assertEquals(1, threads.started.size());
        pool.unstick(false);
        pool.unstick(false); // not taken, but nothing runs: its worker waits to be scheduled
        assertEquals(1, threads.started.size(), "no worker more: it would wait to be scheduled too");
        threads.runNext();
        assertEquals(5, ran.size());
        assertEquals(0, pool.workers());
    }

    @Test
    void aTaskThatThrowsDoesNotStopItsWorker() {
        WorkerPool pool = new WorkerPool(threads, 1, NO_CORE_CAP, now::get);
        AtomicInteger reported = new AtomicInteger();
        Thread.UncaughtExceptionHandler previous = Thread.currentThread().getUncaughtExceptionHandler();
        Thread.currentThread().setUncaughtExceptionHandler((t, e) -> reported.incrementAndGet());
        try {
            pool.execute(() -> {
                throw new IllegalStateException("boom");
            });
            pool.execute(task("after", 0));
            threads.runNext();
        } finally {
            Thread.currentThread().setUncaughtExceptionHandler(previous);
        }
        assertEquals(List.of("after"), ran);
        assertEquals(1, reported.get());
    }

    @Test
    void queuedTasksCanBeRunOnTheCallingThread() {
        WorkerPool pool = new WorkerPool(threads, 1, NO_CORE_CAP, now::get);
        pool.execute(task("a", 0));
        pool.execute(task("b", 0));
        pool.runQueuedHere();
        assertEquals(List.of("a", "b"), ran);
        threads.runNext(); // the worker started for "a" finds nothing and ends
        assertEquals(0, pool.workers());
    }

    @Test
    void aTaskAddedAsTheLastWorkerEndsIsRunAllTheSame() {
        // Ping-pong: each task is added the moment the previous one is done, while its worker is
        // between finding the queue empty and ending, the moment a task can be left behind.
        AtomicInteger done = new AtomicInteger();
        WorkerPool pool = new WorkerPool(w -> Thread.ofVirtual().start(w), 4);
        for (int i = 1; i <= 20_000; i++) {
            pool.execute(done::incrementAndGet);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (done.get() < i) {
                assertTrue(System.nanoTime() < deadline, "task " + i + " was left in the queue with no worker");
                Thread.onSpinWait();
            }
        }
    }

    @Test
    void noTaskIsLeftBehindWhenWorkersEndWhileOthersAreAdded() throws Exception {
        int producers = 4;
        int perProducer = 50_000;
        int limit = 8;
        AtomicInteger done = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        WorkerPool pool = new WorkerPool(w -> Thread.ofVirtual().start(w), limit);
        Runnable work = () -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            if (done.get() % 1000 == 0) {
                Thread.yield(); // now and then a slower task, so workers end and start all the time
            }
            running.decrementAndGet();
            done.incrementAndGet();
        };
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> senders = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            senders.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perProducer; i++) {
                    pool.execute(work);
                }
            }));
        }
        go.countDown();
        for (Thread t : senders) {
            assertTrue(t.join(Duration.ofSeconds(30)));
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> done.get() == producers * perProducer);
        await().atMost(10, TimeUnit.SECONDS).until(() -> pool.workers() == 0);
        assertTrue(mostAtOnce.get() <= limit, "at most " + limit + " at once, saw " + mostAtOnce.get());
    }
}
