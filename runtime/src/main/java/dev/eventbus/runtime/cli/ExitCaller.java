package dev.eventbus.runtime.cli;

import java.util.Map;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who called {@code System.exit} (or {@code Runtime.exit}) and with which status, for a shutdown
 * hook that runs while that call waits for it. The JDK (21 and later) logs every such call, with
 * its status and the caller's stack, at DEBUG on the system logger {@code java.lang.Runtime}: that
 * logger is backed by {@code java.util.logging} unless something installed another backend, so
 * while watching it takes those records. Otherwise the hook finds the thread that waits inside
 * {@code Shutdown.exit} and names its caller, without the status.
 *
 * <p>Thread-safe: the exiting thread records, the hook's thread reads.
 */
final class ExitCaller implements AutoCloseable {

    /** The JDK's message for the record's throwable: {@code Runtime.exit(0)}. */
    private static final Pattern STATUS = Pattern.compile("Runtime\\.exit\\((-?\\d+)\\)");

    /** Held: java.util.logging keeps only weak references to its loggers, and would forget the level. */
    private final Logger runtimeLog = Logger.getLogger("java.lang.Runtime");

    private final Level level = runtimeLog.getLevel();
    private volatile Throwable recorded;
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getThrown() != null
                    && STATUS.matcher(String.valueOf(record.getThrown().getMessage()))
                            .find()) {
                recorded = record.getThrown();
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private ExitCaller() {
        runtimeLog.setLevel(Level.FINE);
        runtimeLog.addHandler(capture);
    }

    /** Watches for exits until closed. */
    static ExitCaller watch() {
        return new ExitCaller();
    }

    /** An exit call: what was called ({@code System.exit(0)}) and the frame that called it, if known. */
    record Call(String called, Optional<String> caller, boolean signal) {}

    /** The exit under way: the one recorded, else the one a thread waits in; empty when none is seen. */
    Optional<Call> underWay() {
        Throwable r = recorded;
        if (r != null) {
            Matcher status = STATUS.matcher(r.getMessage());
            status.find();
            return Optional.of(call(r.getStackTrace(), "(" + status.group(1) + ")"));
        }
        for (Map.Entry<Thread, StackTraceElement[]> t :
                Thread.getAllStackTraces().entrySet()) {
            for (StackTraceElement frame : t.getValue()) {
                if (frame.getClassName().equals("java.lang.Shutdown")
                        && frame.getMethodName().equals("exit")) {
                    return Optional.of(call(t.getValue(), ""));
                }
            }
        }
        return Optional.empty();
    }

    /** The frame after the JDK's own exit frames is the caller; the JDK's signal handler is no plugin's. */
    private static Call call(StackTraceElement[] stack, String status) {
        int last = -1;
        String called = "System.exit";
        for (int i = 0; i < stack.length; i++) {
            String c = stack[i].getClassName();
            if (c.equals("java.lang.Shutdown") || c.equals("java.lang.Runtime") || c.equals("java.lang.System")) {
                last = i;
                if (stack[i].getMethodName().equals("exit")) {
                    called = c.equals("java.lang.Runtime") ? "Runtime.exit" : "System.exit";
                }
            }
        }
        if (last < 0 || last + 1 >= stack.length) {
            return new Call(called + status, Optional.empty(), false);
        }
        StackTraceElement caller = stack[last + 1];
        boolean signal = caller.getClassName().equals("java.lang.Terminator")
                || caller.getClassName().startsWith("jdk.internal.misc.Signal");
        return new Call(called + status, Optional.of(shown(caller)), signal);
    }

    /** As a stack trace shows a frame, without the class loader's name. */
    private static String shown(StackTraceElement f) {
        return f.getClassName() + "." + f.getMethodName() + "("
                + (f.getFileName() == null ? "Unknown Source" : f.getFileName())
                + (f.getLineNumber() > 0 ? ":" + f.getLineNumber() : "") + ")";
    }

    @Override
    public void close() {
        runtimeLog.removeHandler(capture);
        runtimeLog.setLevel(level);
    }
}
