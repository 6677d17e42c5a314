package dev.eventbus.runtime.internal;

/** What a Lua script in Redis can pass to one command. Internal to the runtime. */
public final class LuaLimits {

    /**
     * The most values a script unpacks into one command. Lua 5.1, the Lua of every Redis, refuses a
     * call of about 8,000 arguments ("too many results to unpack"), and no script can send a longer
     * command; kept under that, with room for the command's own arguments. An XADD of an entry of
     * more than half as many fields cannot be made by a script.
     */
    public static final int MAX_UNPACKED = 7_000;

    private LuaLimits() {}

    /** Whether a script can pass {@code values} values to one command. */
    public static boolean fitsOneCall(int values) {
        return values <= MAX_UNPACKED;
    }
}
