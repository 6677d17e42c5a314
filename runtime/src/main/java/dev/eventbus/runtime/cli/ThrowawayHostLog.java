package dev.eventbus.runtime.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import dev.eventbus.runtime.plugin.AdmissionCheck;
import org.slf4j.LoggerFactory;

/**
 * The log while {@code config check} admits each plugin JAR in a throwaway host: what such a host
 * says at INFO (a plugin started, unloaded: start-up chatter of a host that never runs) is not
 * logged, nor its refusal lines, which the check prints itself as findings naming the config file.
 * Warnings and errors of everything else (a plugin's start hook, threads a plugin left running, an
 * unload that failed) still are. Closing it puts the levels back.
 *
 * <p>Not thread-safe: the command's one thread opens and closes it.
 */
final class ThrowawayHostLog implements AutoCloseable {

    private final Logger root;
    private final Level rootLevel;
    private final Logger refusals;
    private final Level refusalsLevel;

    private ThrowawayHostLog(Logger root, Logger refusals) {
        this.root = root;
        this.refusals = refusals;
        rootLevel = root == null ? null : root.getLevel();
        refusalsLevel = refusals == null ? null : refusals.getLevel();
        if (root != null) {
            root.setLevel(Level.WARN);
            refusals.setLevel(Level.OFF);
        }
    }

    /** Quiets the log until closed (leaves it as it is when the binding is not Logback). */
    static ThrowawayHostLog quiet() {
        return LoggerFactory.getILoggerFactory() instanceof LoggerContext context
                ? new ThrowawayHostLog(
                        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME),
                        context.getLogger(AdmissionCheck.REFUSAL_LOGGER))
                : new ThrowawayHostLog(null, null);
    }

    @Override
    public void close() {
        if (root != null) {
            root.setLevel(rootLevel);
            refusals.setLevel(refusalsLevel);
        }
    }
}
