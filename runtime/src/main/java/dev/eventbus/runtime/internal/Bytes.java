package dev.eventbus.runtime.internal;

import java.nio.charset.StandardCharsets;

/** Redis keys, group and field names as the byte[] codec wants them. Internal to the runtime. */
public final class Bytes {

    private Bytes() {}

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
