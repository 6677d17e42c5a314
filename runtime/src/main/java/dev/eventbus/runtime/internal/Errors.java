package dev.eventbus.runtime.internal;

import java.util.Optional;

/** Turning failures into the one line an operator needs. Internal to the runtime. */
public final class Errors {

    private Errors() {}

    /**
     * The innermost cause's class and message, e.g. {@code ConnectException: Connection refused};
     * for a connection no sentinel answered, each sentinel and why ({@link SentinelSilence}): the
     * innermost cause is one sentinel's and names none.
     */
    public static String rootMessage(Throwable e) {
        Optional<String> sentinels = SentinelSilence.of(e);
        if (sentinels.isPresent()) {
            return sentinels.get();
        }
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + oneLine(t.getMessage()));
    }

    /**
     * The failure's own message, then its innermost cause when that says more, e.g. {@code Unable
     * to connect to 127.0.0.1:7311 (ConnectException: Connection refused)}: Lettuce
     * names the node in the outer message and the reason only in the cause, so either alone misled
     * (with a sentinel URI the root said "Connection refused" while the sentinels answered, and it
     * was the primary they named that refused).
     */
    public static String messageAndRoot(Throwable e) {
        Optional<String> sentinels = SentinelSilence.of(e); // Lettuce's message lists their URIs, not why
        if (sentinels.isPresent()) {
            return sentinels.get();
        }
        Throwable outer = e;
        // A wrapper made from its cause (new RedisException(cause)) has the cause's toString() as its
        // message: the cause speaks for it.
        while (outer.getCause() != null
                && outer.getCause() != outer
                && String.valueOf(outer.getCause()).equals(outer.getMessage())) {
            outer = outer.getCause();
        }
        String message = outer.getMessage() == null ? "" : oneLine(outer.getMessage());
        boolean isRoot = outer.getCause() == null || outer.getCause() == outer;
        return isRoot || message.isEmpty() ? rootMessage(outer) : message + " (" + rootMessage(outer) + ")";
    }

    /**
     * A message on one line: Lettuce lays out a cluster failure over several ("... from [seeds]\n\n
     * Details:\n\t[seed]: ..."), which a log line would show as escaped {@code \n}s. Its nodes as
     * {@code host:port}, not as the JDK prints a socket address ({@link SocketAddressText}).
     */
    public static String oneLine(String message) {
        return SocketAddressText.tidy(message.strip().replaceAll("\\s*\\n\\s*", " "));
    }

    /**
     * What kind of trouble a failure is, as the start of a log line or a health check's text: a
     * missing ACL permission, a key of the wrong type, memory (the JVM's or Redis's) or a missing
     * consumer group are not network trouble, and waiting does not mend them; someone has to.
     * Empty for anything else.
     */
    public static String kind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return "the JVM is out of memory (raise -Xmx or lower in-flight limits)";
            }
            String m = String.valueOf(t.getMessage());
            if (permissionReply(m)) {
                return PERMISSION_DENIED;
            }
            if (m.startsWith("WRONGTYPE")) {
                return "a key holds the wrong type (WRONGTYPE)";
            }
            if (m.startsWith("OOM")) {
                return "Redis is out of memory (OOM; raise maxmemory or trim streams)";
            }
            if (m.startsWith("NOGROUP")) {
                return "the consumer group is missing (NOGROUP)";
            }
        }
        return "";
    }

    /** What {@link #kind} says of a missing ACL permission. */
    public static final String PERMISSION_DENIED =
            "the Redis user lacks a permission (NOPERM; grant it with ACL SETUSER)";

    /**
     * Whether Redis refused for want of an ACL permission: {@code NOPERM} for a command or key, and
     * from inside a script (EVAL) the {@code ERR} replies that say the script's user may not run a
     * command or access a key.
     */
    public static boolean isPermissionDenied(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (permissionReply(String.valueOf(t.getMessage()))) {
                return true;
            }
        }
        return false;
    }

    private static boolean permissionReply(String m) {
        return m.startsWith("NOPERM") || m.contains("The user executing the script can't");
    }

    /** A value for one log line: line breaks and other control characters as {@code ?}. */
    public static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }

    /** Whether {@code e} or one of its causes is a {@code type}. */
    public static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #kind} then {@link #rootMessage}, e.g. {@code a key holds the wrong type (WRONGTYPE): ...}. */
    public static String describe(Throwable e) {
        return describe(e, ReconnectReason.UNKNOWN);
    }

    /**
     * As {@link #describe(Throwable)}, but a command refused because the client is not connected
     * says so and why its reconnect attempts fail, {@code not connected to Redis, reconnecting:
     * ConnectException: Connection refused}; with no failed attempt known, where to look. Lettuce's
     * own words, "Currently not connected. Commands are rejected.", said neither (found from
     * outside: the lines of every loop said only that while Redis was down).
     */
    public static String describe(Throwable e, ReconnectReason reconnect) {
        if (notConnected(e)) {
            Optional<Throwable> why = reconnect.last();
            return NOT_CONNECTED
                    + why.map(Errors::describe)
                            .orElseGet(() ->
                                    "the 'redis' check of readiness and status says why (" + rootMessage(e) + ")");
        }
        String kind = kind(e);
        return kind.isEmpty() ? rootMessage(e) : kind + ": " + rootMessage(e);
    }

    /** How {@link #describe(Throwable, ReconnectReason)} begins a command refused while the client reconnects. */
    private static final String NOT_CONNECTED = "not connected to Redis, reconnecting: ";

    /** Whether Lettuce refused the command because the connection is down and being made again. */
    static boolean notConnected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (String.valueOf(t.getMessage()).startsWith("Currently not connected")) {
                return true;
            }
        }
        return false;
    }
}
