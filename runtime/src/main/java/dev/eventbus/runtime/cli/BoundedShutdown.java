package dev.eventbus.runtime.cli;

import java.time.Duration;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shutdown hook of {@code eventbus run}: runs the orderly stop on a thread of its own and waits
 * for it at most a bound; past the bound it halts the JVM. Start-up and shutdown must never wait on
 * each other: a plugin that calls {@code System.exit} (or hangs) while it loads does so inside
 * start-up, which holds the runtime's lock the orderly stop needs, and {@code System.exit} waits for
 * this hook; without the bound the JVM would wait forever and ignore every further SIGTERM. What the
 * halt cuts short stays pending in Redis and is handled again.
 *
 * <p>Runs once, on the JVM's shutdown thread.
 */
final class BoundedShutdown implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BoundedShutdown.class);
    /** The exit status of a halted shutdown: not a clean stop. */
    static final int HALTED = 1;

    private final Runnable stop;
    private final Duration bound;
    private final Supplier<String> why;
    private final IntConsumer halt;

    /**
     * @param stop the orderly stop (operations, runtime)
     * @param why what the runtime is stuck in, for the log line, or empty
     * @param halt ends the JVM with a status ({@code Runtime.getRuntime()::halt})
     */
    BoundedShutdown(Runnable stop, Duration bound, Supplier<String> why, IntConsumer halt) {
        this.stop = stop;
        this.bound = bound;
        this.why = why;
        this.halt = halt;
    }

    @Override
    public void run() {
        Thread stopper = Thread.ofPlatform().name("eventbus-stop").daemon(true).start(stop);
        try {
            stopper.join(bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopper.isAlive()) {
            String stuck = why.get();
            LOG.error(
                    "shutdown did not finish within {}{}: halting now (status {}); events in flight stay pending "
                            + "and are handled again",
                    bound,
                    stuck.isEmpty() ? "" : " (" + stuck + ")",
                    HALTED);
            halt.accept(HALTED);
        }
    }
}
