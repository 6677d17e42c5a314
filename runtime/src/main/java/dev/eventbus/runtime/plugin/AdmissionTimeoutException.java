package dev.eventbus.runtime.plugin;

import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * An admission that did not finish in time, and which of the plugin's code holds it up, read from
 * the stack of the thread admitting it: the outermost frame of a class from the plugin's JAR is
 * what the runtime called and that did not return (its {@code Plugin.start()}, a handler's
 * constructor or {@code start} hook), the innermost where it waits, when that is deeper.
 */
public final class AdmissionTimeoutException extends TimeoutException {

    private static final long serialVersionUID = 1L;

    /** {@code class.method(File.java:line)}, or null when the thread was in none of the plugin's code. */
    private final String notReturned;
    /** Likewise, or null when it is {@link #notReturned} itself. */
    private final String waitsIn;

    private AdmissionTimeoutException(String notReturned, String waitsIn, String within) {
        super(text(notReturned, waitsIn, within));
        this.notReturned = notReturned;
        this.waitsIn = waitsIn;
    }

    /**
     * @param stack the admitting thread's stack, innermost frame first
     * @param pluginClasses the names of the classes in the plugin's JAR
     * @param within how long it was waited for, as the message says it ("within 2m")
     */
    static AdmissionTimeoutException of(StackTraceElement[] stack, Set<String> pluginClasses, String within) {
        int innermost = -1;
        int outermost = -1;
        for (int i = 0; i < stack.length; i++) {
            if (pluginClasses.contains(stack[i].getClassName())) {
                innermost = innermost < 0 ? i : innermost;
                outermost = i;
            }
        }
        return new AdmissionTimeoutException(
                outermost < 0 ? null : frame(stack[outermost]),
                innermost == outermost ? null : frame(stack[innermost]),
                within);
    }

    /**
     * @param within how long it was waited for, and why that long ("within 1s (the bound)")
     * @return e.g. {@code com.example.PayHandler.start(PayHandler.java:31) did not return within 1s
     *     (the bound); it waits in com.example.Gate.await(Gate.java:12)}
     */
    public String describe(String within) {
        return text(notReturned, waitsIn, within);
    }

    private static String text(String notReturned, String waitsIn, String within) {
        if (notReturned == null) {
            // Not in the plugin's own code then (a read of its JAR that hangs, say): no name to give.
            return "its admission did not finish " + within;
        }
        return notReturned + " did not return " + within + (waitsIn == null ? "" : "; it waits in " + waitsIn);
    }

    /** Without the class loader's and module's names. */
    private static String frame(StackTraceElement f) {
        return f.getClassName() + "." + f.getMethodName() + "("
                + (f.getFileName() == null ? "unknown source" : f.getFileName())
                + (f.getLineNumber() > 0 ? ":" + f.getLineNumber() : "") + ")";
    }
}
