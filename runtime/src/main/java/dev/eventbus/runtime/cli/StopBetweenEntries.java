package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.ops.StopRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * The stop by signal (Ctrl-C, SIGTERM) of an operator change that goes entry by entry ({@code dlq
 * redrive}, {@code dlq discard}, {@code replay}). Unlike {@code run}'s stop ({@link SignalStop}, on
 * which it is built), the command's own thread owns the ending: the change finishes the entry in
 * progress (each is one atomic step), stops, prints its summary line and writes its audit line as at
 * a normal end, saying it was interrupted; only then does the JVM end, with the signal's status
 * (130 for SIGINT, 143 for SIGTERM). Killed before, the change left nothing half done, but nobody
 * was told how far it got (no summary, no audit line, found from outside).
 *
 * <p>The signal's shutdown hook waits for that at most a bound (the entry in progress and the reads
 * around it: three times {@code eventbus.redis.command-timeout}); past it the JVM ends without the
 * summary, saying so. Thread-safe: the command's thread and the JVM's shutdown thread use it.
 */
final class StopBetweenEntries implements StopRequest {

    private final SignalStop signal;
    private final CountDownLatch told = new CountDownLatch(1);
    private volatile String stoppedBy;

    private StopBetweenEntries(SignalStop signal) {
        this.signal = signal;
    }

    /**
     * Installed just before the change starts: a signal before it ends the command as any signal
     * does, nothing changed yet.
     *
     * @param commandTimeout {@code eventbus.redis.command-timeout}
     * @param what the change, for the words past the bound ({@code dlq redrive})
     */
    static StopBetweenEntries install(Duration commandTimeout, String what) {
        SignalNames.watch();
        StopBetweenEntries stop = new StopBetweenEntries(SignalStop.install("eventbus-" + what.replace(' ', '-')));
        Duration bound = commandTimeout.multipliedBy(3);
        PrintStream err = System.err;
        stop.signal.stopWith(() -> {
            stop.stoppedBy = SignalNames.first();
            try {
                if (!stop.told.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                    err.println("eventbus: " + what + " did not stop within " + bound.toSeconds() + " s of "
                            + stop.stoppedBy + " (Redis does not answer?): ending without its summary and audit "
                            + "line; every entry it finished is whole");
                    err.flush();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return stop;
    }

    @Override
    public String stoppedBy() {
        return stoppedBy;
    }

    /**
     * Runs the command (the change, its summary and its audit line), then ends: returns its exit
     * status when no signal came; after a signal, lets the JVM end with the signal's status and
     * never returns. A failure after a signal is printed as the command line prints failures first.
     */
    int run(CommandLine cli, Callable<Integer> command) throws Exception {
        int status;
        try {
            status = command.call();
        } catch (Exception | Error e) {
            if (stoppedBy != null && e instanceof Exception failure && cli.getExecutionExceptionHandler() != null) {
                cli.getExecutionExceptionHandler().handleExecutionException(failure, cli, null);
                cli.getErr().flush();
            }
            told.countDown();
            signal.ownEnding();
            throw e;
        }
        cli.getOut().flush();
        cli.getErr().flush();
        told.countDown();
        signal.ownEnding();
        return status;
    }

    /**
     * What the summary line adds when a signal stopped the change between two entries: it ended
     * there, each entry it did whole; "" when none did.
     *
     * @param rest what became of the entries not reached, and how to go on
     */
    static String summary(String stoppedBy, String rest) {
        return stoppedBy == null ? "" : "; interrupted by " + stoppedBy + " (each one done whole; " + rest + ")";
    }
}
