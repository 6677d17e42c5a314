package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Errors;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A loop that runs a task every {@code period} on its own virtual thread until stopped, and
 * survives every error (logged once per failure, then the next period).
 */
abstract class PeriodicLoop {

    private final String name;
    private final Duration period;
    private volatile boolean stopping;
    private Thread thread;

    PeriodicLoop(String name, Duration period) {
        this.name = name;
        this.period = period;
    }

    protected abstract void iteration() throws Exception;

    protected abstract Logger log();

    final synchronized void start() {
        thread = Thread.ofVirtual().name(name).start(this::run);
    }

    final void stop() {
        stopping = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }

    final boolean stopping() {
        return stopping;
    }

    private void run() {
        while (!stopping) {
            try {
                iteration();
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
            } catch (Throwable t) {
                log().warn("{}: {}", name, Errors.rootMessage(t));
            }
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
            }
        }
    }
}
