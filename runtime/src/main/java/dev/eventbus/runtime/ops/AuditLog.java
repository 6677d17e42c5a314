package dev.eventbus.runtime.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.eventbus.runtime.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only record of what operators changed: one JSON object per line with {@code time},
 * {@code who} (the OS user; for a change asked through an admin port, the client's address),
 * {@code action}, {@code count} and the details (handler, filters, range, plugin). Also logged
 * (logger {@code eventbus.audit}). Never holds payloads.
 */
public final class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger("eventbus.audit");

    private final Path file;
    private final Clock clock;

    public AuditLog(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** Fails now, before an action, when the log could not be written after it. */
    public void checkWritable() {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                    .close();
        } catch (IOException e) {
            throw new OpsException("the audit log " + file + " cannot be written (" + e.getMessage()
                    + "): set eventbus.admin.audit-log to a writable file");
        }
    }

    /**
     * @param action e.g. {@code dlq.redrive}
     * @param count how many entries the action changed
     * @param details what it applied to; values must be JSON-serialisable
     */
    public void record(String action, long count, Map<String, Object> details) {
        record(System.getProperty("user.name", "unknown"), action, count, details);
    }

    /**
     * As {@link #record(String, long, Map)}, for a change a server made on a client's behalf.
     *
     * @param who the client (its address), instead of this process's OS user
     */
    public synchronized void record(String who, String action, long count, Map<String, Object> details) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", clock.instant().toString());
        line.put("who", who);
        line.put("action", action);
        line.put("count", count);
        line.putAll(details);
        String json;
        try {
            json = Json.mapper().writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        LOG.info("audit {}", json);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(
                    file,
                    json + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new OpsException("done, but the audit log " + file + " cannot be written: " + e.getMessage(), e);
        }
    }
}
