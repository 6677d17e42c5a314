package dev.eventbus.runtime.internal;

/** Turning failures into the one line an operator needs. Internal to the runtime. */
public final class Errors {

    private Errors() {}

    /** The innermost cause's class and message, e.g. {@code ConnectException: Connection refused}. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
