package dev.eventbus.runtime.cli;

import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Which signal is ending the JVM ({@code SIGINT}, {@code SIGTERM}, {@code SIGHUP}), for what a
 * command says and audits when one stops it: a shutdown hook is not told. Each signal's own JVM
 * handler still runs right after the name is noted, so the JVM ends as it would have (its shutdown
 * hooks, then status 128 + the signal's number). A signal the JVM does not handle (ignored by the
 * shell that started it, {@code -Xrs}) is left as it is.
 *
 * <p>Thread-safe.
 */
final class SignalNames {

    private static final AtomicReference<String> FIRST = new AtomicReference<>();
    private static volatile boolean watching;

    private SignalNames() {}

    /** Starts noting the signals; once per JVM, later calls do nothing. */
    static synchronized void watch() {
        if (watching) {
            return;
        }
        watching = true;
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            try {
                Signal signal = new Signal(name);
                AtomicReference<SignalHandler> own = new AtomicReference<>();
                own.set(Signal.handle(signal, s -> {
                    FIRST.compareAndSet(null, "SIG" + s.getName());
                    SignalHandler jvm = own.get();
                    if (jvm != null) {
                        jvm.handle(s);
                    } else { // came before the JVM's handler was noted: end as that handler ends the JVM
                        Runtime.getRuntime().exit(128 + s.getNumber());
                    }
                }));
                if (own.get() == SignalHandler.SIG_IGN || own.get() == SignalHandler.SIG_DFL) {
                    Signal.handle(signal, own.get()); // not the JVM's to handle: left as it was
                }
            } catch (IllegalArgumentException notHandled) {
                // The JVM does not handle it here (-Xrs, or not on this OS): a stop says "a signal".
            }
        }
    }

    /** The first of the watched signals that came, e.g. {@code SIGINT}; "a signal" for another stop. */
    static String first() {
        String name = FIRST.get();
        return name != null ? name : "a signal";
    }
}
