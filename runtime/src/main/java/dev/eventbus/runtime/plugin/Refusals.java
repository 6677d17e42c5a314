package dev.eventbus.runtime.plugin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The refusals of the plugins directory by JAR file, as {@code plugins list}, {@code status}, the
 * admin API and readiness show them: for each JAR, every refusal (of the whole JAR, or of each
 * handler while the others run) of the latest attempt to admit the content now in the directory.
 * A new attempt starts clean, so a fixed JAR keeps no stale reason; a removed JAR is forgotten.
 * Each refusal is logged once, when recorded.
 *
 * <p>Thread-safe: written under the plugin host's lock, read by admin threads.
 */
final class Refusals {

    private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);

    private final Map<String, List<PluginFailure>> bySource = new LinkedHashMap<>();

    /** Records a refusal of the JAR {@code source}; one equal to a refusal already recorded is not repeated. */
    synchronized void record(String source, AdmissionException refusal) {
        PluginFailure failure = refusal.failure(source);
        List<PluginFailure> failures = bySource.computeIfAbsent(source, k -> new ArrayList<>());
        if (failures.contains(failure)) {
            return;
        }
        failures.add(failure);
        LOG.error(
                "plugin refused: {} (stage: {})",
                failure,
                refusal.stage().name().toLowerCase(Locale.ROOT));
    }

    /** A new attempt to admit the JAR starts: what was found in its earlier content no longer holds. */
    synchronized void clear(String source) {
        bySource.remove(source);
    }

    /** The refusals recorded for a JAR, oldest first. */
    synchronized List<PluginFailure> of(String source) {
        return List.copyOf(bySource.getOrDefault(source, List.of()));
    }

    /** Replaces the refusals of a JAR (e.g. to keep a newer JAR's while its older version is restored). */
    synchronized void set(String source, List<PluginFailure> failures) {
        if (failures.isEmpty()) {
            bySource.remove(source);
        } else {
            bySource.put(source, new ArrayList<>(failures));
        }
    }

    /** Every refusal, JAR by JAR. */
    synchronized List<PluginFailure> all() {
        return bySource.values().stream().flatMap(List::stream).toList();
    }
}
