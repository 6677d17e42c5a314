package dev.eventbus.runtime.cli;

import java.util.concurrent.Callable;

/**
 * The stop by signal (SIGTERM, Ctrl-C) of a command that starts things one after another ({@code
 * run}, {@code dev}). A signal runs no {@code finally} block and may come at any moment of start-up:
 * the command's thread goes on meanwhile, and a step of it that needs the JVM alive (adding a
 * shutdown hook, connecting with a client the stop closed) fails with "Shutdown in progress" or the
 * like, which it printed as its failure, after printing that it was up. So once the stop began it
 * owns the ending: the command's thread takes no further step, prints nothing, and waits for the
 * JVM to end (status 143, 128 + SIGTERM, as for any stop by signal), whatever failed meanwhile.
 *
 * <p>Installed first, before anything is started, with a stop that does nothing; the command sets
 * what its stop runs as it starts things ({@link #stopWith}). Thread-safe: the command's thread and
 * the JVM's shutdown thread use it.
 */
final class SignalStop {

    private final Object lock = new Object();
    private final Thread hook;
    private boolean began;
    private Runnable stop = () -> {};

    private SignalStop(String name) {
        hook = new Thread(this::stop, name);
    }

    /** The stop as the JVM's shutdown hook; when the JVM is ending already, the stop began. */
    static SignalStop install(String name) {
        SignalStop signal = new SignalStop(name);
        try {
            Runtime.getRuntime().addShutdownHook(signal.hook);
        } catch (IllegalStateException shuttingDown) {
            synchronized (signal.lock) {
                signal.began = true;
            }
        }
        return signal;
    }

    /** What a signal stops from now on (what has been started so far). */
    void stopWith(Runnable stop) {
        synchronized (lock) {
            if (!began) {
                this.stop = stop;
                return;
            }
        }
        awaitEnd();
    }

    /**
     * Runs a step of the command's own (the next thing to start) unless the stop began; a step that
     * fails because the stop began meanwhile fails quietly: the command's thread waits for the end.
     */
    <T> T step(Callable<T> step) throws Exception {
        awaitEndIfBegan();
        try {
            return step.call();
        } catch (Exception | Error e) {
            awaitEndIfBegan();
            throw e;
        }
    }

    /**
     * Does {@code action} (prints that the command is up) unless the stop began, under the lock the
     * stop takes first: nothing of it comes after the stop began. Keep it short.
     */
    void unlessStopping(Runnable action) {
        synchronized (lock) {
            if (!began) {
                action.run();
                return;
            }
        }
        awaitEnd();
    }

    /**
     * The command ends by itself (done or failed): a signal from now on leaves the ending to the
     * command's {@code finally} blocks and runs no stop of its own. When the JVM is ending already,
     * the stop runs (or ran): the command's thread waits for the end instead.
     */
    void ownEnding() {
        synchronized (lock) {
            if (!began) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    return;
                } catch (IllegalStateException shuttingDown) {
                    // A signal (or a plugin's System.exit) came just now: the hook is about to stop.
                }
            }
        }
        awaitEnd();
    }

    /** Once the stop began, the command's thread waits for the JVM to end (then never returns). */
    void awaitEndIfBegan() {
        synchronized (lock) {
            if (!began) {
                return;
            }
        }
        awaitEnd();
    }

    private static void awaitEnd() {
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // The ending belongs to the stop; the JVM ends this thread when the stop is done.
            }
        }
    }

    private void stop() {
        Runnable run;
        synchronized (lock) {
            began = true;
            run = stop;
        }
        run.run();
    }
}
