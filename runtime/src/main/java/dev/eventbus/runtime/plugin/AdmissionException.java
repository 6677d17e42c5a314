package dev.eventbus.runtime.plugin;

/**
 * Why a plugin JAR, or one handler in it, was not admitted: the one error type of admission. Each
 * check throws it (reading the JAR, its descriptor, its contents, the allow-list, PF4J's load and
 * start, the plugin's config, each handler); the plugin host records it as a {@link PluginFailure}
 * of the JAR, and a reload reports it to whoever asked.
 *
 * <p>The message is the reason: what is wrong and, where it can say, how to fix it. Immutable.
 */
public final class AdmissionException extends RuntimeException {

    /** Where admission refused, in the order the checks run. */
    public enum Stage {
        /** Copying or opening the JAR. */
        READ,
        /** The PF4J descriptor: plugin id, version, {@code Plugin-Requires}. */
        DESCRIPTOR,
        /** What the JAR holds: a bundled copy of a shared library. */
        CONTENTS,
        /** {@code eventbus.plugin-host.allow-list}. */
        ALLOW_LIST,
        /** PF4J loading it, or another JAR holding the same plugin id. */
        LOAD,
        /** Its {@code org.pf4j.Plugin} class starting. */
        START,
        /** Its config subtree against its {@code reference.conf}. */
        CONFIG,
        /** One handler: created, declared, checked, started; the plugin's other handlers may run. */
        HANDLER
    }

    private final Stage stage;
    private final String pluginId;
    private final String handler;

    /**
     * @param pluginId the plugin id when the descriptor could be read, else {@code null}
     * @param handler the handler's name (or class, before it has a name); {@code null} when the
     *     whole JAR is refused
     * @param cause what failed, or {@code null}
     */
    AdmissionException(Stage stage, String pluginId, String handler, String reason, Throwable cause) {
        super(reason, cause);
        this.stage = stage;
        this.pluginId = pluginId;
        this.handler = handler;
    }

    /** The whole JAR is refused. */
    static AdmissionException refused(Stage stage, String pluginId, String reason) {
        return new AdmissionException(stage, pluginId, null, reason, null);
    }

    /** This refusal, naming the plugin when it did not yet (a check that knows only the class). */
    AdmissionException of(String plugin) {
        return pluginId != null ? this : new AdmissionException(stage, plugin, handler, getMessage(), getCause());
    }

    public Stage stage() {
        return stage;
    }

    /** The plugin id, or {@code null} when the descriptor could not be read. */
    public String pluginId() {
        return pluginId;
    }

    /** The refused handler, or {@code null} when the whole JAR was refused. */
    public String handler() {
        return handler;
    }

    /** The record of this refusal for the JAR {@code source} (a file name of the plugins directory). */
    PluginFailure failure(String source) {
        return new PluginFailure(source, pluginId, getMessage());
    }
}
