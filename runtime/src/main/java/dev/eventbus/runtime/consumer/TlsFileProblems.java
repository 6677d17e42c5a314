package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.config.RedisTls;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The problem last warned about for each set of Redis TLS files, shared by every Redis client of
 * the process ({@link RedisTlsFiles}): each client reads the files for its own connections, so a
 * file that went bad was warned about once per client (the runtime has several), not once.
 *
 * <p>Thread-safe.
 */
final class TlsFileProblems {

    /** The one every client of this process tells. */
    static final TlsFileProblems PROCESS = new TlsFileProblems();

    private final Map<RedisTls, String> told = new ConcurrentHashMap<>();

    /** Whether {@code problem} is news for these files; it is remembered as told either way. */
    boolean tell(RedisTls files, String problem) {
        return !problem.equals(told.put(files, problem));
    }

    /** Whether a problem was told for these files, which are usable again; it is forgotten. */
    boolean usableAgain(RedisTls files) {
        return told.remove(files) != null;
    }
}
