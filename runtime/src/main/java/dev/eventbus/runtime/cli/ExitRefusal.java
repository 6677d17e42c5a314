package dev.eventbus.runtime.cli;

import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * While a check runs plugin code ({@code config check}, the plugin build's admission check), an
 * exit the check did not make ends the JVM with {@link #STATUS} (a problem) and says who called it,
 * instead of letting it end with the plugin's status: found from outside, a start hook calling
 * {@code System.exit(0)} made {@code config check} print nothing and exit 0, and the plugin's build
 * pass, so a gate on exit codes passed a broken deployment. Java has no way left to stop an exit
 * (the Security Manager is gone); a shutdown hook, which the exit waits for, can still halt the JVM
 * with another status. A signal (Ctrl-C, SIGTERM) ends the JVM as it would.
 *
 * <p>Thread-safe: the check's thread says what it checks, the exiting thread's hook reads it.
 */
final class ExitRefusal implements AutoCloseable {

    /** The exit status of a refused exit: a problem, as the checks' findings. */
    static final int STATUS = 2;

    private final String who;
    private final Consumer<String> say;
    private final IntConsumer halt;
    private final ExitCaller caller = ExitCaller.watch();
    private final Thread hook;
    private volatile String checking = "";
    private volatile boolean done;

    private ExitRefusal(String who, Consumer<String> say, IntConsumer halt) {
        this.who = who;
        this.say = say;
        this.halt = halt;
        this.hook = Thread.ofPlatform().name("eventbus-exit-refusal").unstarted(this::onExit);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Refuses exits until closed.
     *
     * @param who the check, as its lines start ({@code config check})
     * @param say prints the refusal (and what else the check found so far) before the JVM halts
     */
    static ExitRefusal arm(String who, Consumer<String> say) {
        return new ExitRefusal(who, say, Runtime.getRuntime()::halt);
    }

    /** @param what what the check runs now, named in a refusal ({@code plugin JAR plugins/a.jar}) */
    void checking(String what) {
        checking = what;
    }

    /** The refusal's line for an exit call. */
    String refusal(Optional<ExitCaller.Call> call) {
        String where = call.flatMap(ExitCaller.Call::caller).orElse("");
        if (!checking.isEmpty()) {
            where = where.isEmpty() ? "checking " + checking : where + ", checking " + checking;
        }
        return who + ": a plugin called " + call.map(ExitCaller.Call::called).orElse("System.exit")
                + " during the check" + (where.isEmpty() ? "" : " (" + where + ")") + ": refused";
    }

    private void onExit() {
        if (done) {
            return;
        }
        Optional<ExitCaller.Call> call = caller.underWay();
        if (call.isPresent() && call.get().signal()) {
            return;
        }
        try {
            say.accept(refusal(call));
        } finally {
            halt.accept(STATUS);
        }
    }

    /** The check is over: exits are its own again. */
    @Override
    public void close() {
        done = true;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // The JVM is exiting already: the hook sees done.
        }
        caller.close();
    }
}
