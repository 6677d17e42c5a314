package dev.eventbus.runtime.admin;

import dev.eventbus.runtime.RuntimeView;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.ops.AuditLog;
import dev.eventbus.runtime.ops.OpsException;
import dev.eventbus.runtime.plugin.AdmissionException;
import dev.eventbus.runtime.plugin.InstalledPlugin;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin ports' one state change, a plugin reload, audited like redrive and replay: every
 * attempt appends a line to the audit log (who asked, through which port, the versions before and
 * after, or why it was refused), including an attempt refused before it reached the runtime (no or
 * a wrong token, or a request a browser could have sent). A reload is not started when the audit
 * log cannot be written. Refused attempts are written one by one up to {@link #REFUSED_PER_WINDOW} a
 * minute, then counted, and the count is written as one line when the next minute's first refusal
 * comes: a client without the token cannot grow the audit log faster than that.
 *
 * <p>Thread-safe; the runtime runs one plugin swap at a time.
 */
final class PluginReloads {

    private static final Logger LOG = LoggerFactory.getLogger(PluginReloads.class);

    static final int REFUSED_PER_WINDOW = 20;
    private static final Duration WINDOW = Duration.ofMinutes(1);

    private final RuntimeView runtime;
    private final AuditLog audit;
    private final Clock clock;
    private Instant windowStart = Instant.MIN;
    private int refusedInWindow;
    private long suppressed;

    PluginReloads(RuntimeView runtime, AuditLog audit, Clock clock) {
        this.runtime = runtime;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * @param caller the client's address
     * @param via {@code admin-http} or {@code admin-grpc}
     * @return the plugin running afterwards
     * @throws IllegalArgumentException unknown plugin; IllegalStateException when the new JAR was
     *     refused (the old version keeps running) or the runtime is not running; IOException when
     *     the JAR cannot be read; OpsException when the audit log cannot be written (nothing done)
     */
    InstalledPlugin reload(String pluginId, String caller, String via) throws IOException {
        audit.checkWritable();
        String before = runtime.plugins().stream()
                .filter(p -> p.pluginId().equals(pluginId))
                .map(InstalledPlugin::version)
                .findFirst()
                .orElse("");
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("plugin", pluginId);
        details.put("via", via);
        details.put("from", before);
        try {
            InstalledPlugin now = runtime.reloadPlugin(pluginId);
            details.put("to", now.version());
            record(caller, 1, details);
            return now;
        } catch (IOException | RuntimeException e) {
            details.put("refused", why(e));
            record(caller, 0, details);
            throw e;
        }
    }

    /**
     * Why the runtime refused a reload, as the audit line says it: its own refusals (no such
     * plugin, the JAR or a handler refused, old workers still running) in their words, as the
     * answer gives them; anything else with its kind too ({@code NoSuchFileException: /path}), which
     * its message alone may not say.
     */
    private static String why(Exception e) {
        boolean own = e instanceof IllegalArgumentException
                || e instanceof IllegalStateException
                || e instanceof AdmissionException;
        return own && e.getMessage() != null ? Errors.oneLine(e.getMessage()) : Errors.rootMessage(e);
    }

    /**
     * Audits an attempt the admin port refused before asking the runtime (count 0, nothing done).
     *
     * @param why the answer's status and reason, e.g. {@code 401 unauthorized: no or a wrong token}
     */
    synchronized void refused(String pluginId, String caller, String via, String why) {
        Instant now = clock.instant();
        if (!now.isBefore(windowStart.plus(WINDOW))) {
            if (suppressed > 0) {
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put(
                        "refused",
                        "more refused attempts than " + REFUSED_PER_WINDOW + " a minute, not written one by one");
                summary.put("notWritten", suppressed);
                summary.put("since", windowStart.toString());
                record("-", 0, summary);
            }
            windowStart = now;
            refusedInWindow = 0;
            suppressed = 0;
        }
        if (++refusedInWindow > REFUSED_PER_WINDOW) {
            if (suppressed++ == 0) {
                LOG.warn(
                        "more than {} refused plugin reloads within a minute (the last from {}): the rest of the "
                                + "minute's are counted, and written as one audit line",
                        REFUSED_PER_WINDOW,
                        caller);
            }
            return;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("plugin", pluginId);
        details.put("via", via);
        details.put("refused", why);
        record(caller, 0, details);
    }

    private void record(String caller, long count, Map<String, Object> details) {
        try {
            audit.record(caller, "plugins.reload", count, details);
        } catch (OpsException e) {
            // The line went to the eventbus.audit logger; the reload itself is done and stays done.
            LOG.error("{}", e.getMessage());
        }
    }
}
