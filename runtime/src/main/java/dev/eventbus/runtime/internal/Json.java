package dev.eventbus.runtime.internal;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The runtime's shared JSON mapper, made on first use: Jackson loads some 370 classes (about 3 MB
 * of metaspace) that a runtime whose admin endpoints and audit log are never called does not need.
 */
public final class Json {

    private Json() {}

    /** Thread-safe once configured, as Jackson documents; never reconfigure it. */
    public static ObjectMapper mapper() {
        return Holder.MAPPER;
    }

    /** Initialised by the JVM on the first {@link #mapper()} call, exactly once. */
    private static final class Holder {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
