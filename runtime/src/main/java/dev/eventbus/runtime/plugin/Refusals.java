package dev.eventbus.runtime.plugin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The refusals of the plugins directory by JAR file, as {@code plugins list}, {@code status}, the
 * admin API and readiness show them: the latest reason per JAR, cleared when the JAR is admitted
 * or removed. Each refusal is logged once, when recorded.
 *
 * <p>Thread-safe: written under the plugin host's lock, read by admin threads.
 */
final class Refusals {

    private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);

    private final Map<String, PluginFailure> bySource = new LinkedHashMap<>();

    /** Records a refusal of the JAR {@code source}; the same reason again is neither re-recorded nor re-logged. */
    synchronized void record(String source, AdmissionException refusal) {
        PluginFailure failure = refusal.failure(source);
        PluginFailure before = bySource.get(source);
        if (before != null && before.reason().equals(failure.reason())) {
            return;
        }
        bySource.put(source, failure);
        LOG.error("plugin refused ({}): {}", refusal.stage().name().toLowerCase(Locale.ROOT), failure);
    }

    /** The latest refusal of a JAR, or null. */
    synchronized PluginFailure latest(String source) {
        return bySource.get(source);
    }

    /** Puts back a refusal recorded earlier (e.g. of a newer JAR while its older version is restored). */
    synchronized void restore(PluginFailure failure) {
        bySource.put(failure.source(), failure);
    }

    synchronized void clear(String source) {
        bySource.remove(source);
    }

    synchronized List<PluginFailure> all() {
        return List.copyOf(bySource.values());
    }
}
