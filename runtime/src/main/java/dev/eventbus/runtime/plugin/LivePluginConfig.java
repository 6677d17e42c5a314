package dev.eventbus.runtime.plugin;

import com.typesafe.config.Config;
import dev.eventbus.runtime.config.InvalidConfigException;
import dev.eventbus.runtime.config.RpcServiceSettings;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The operator's plugin config as of the config file's latest good reading: a plugin reload reads
 * the file again first, so the reloaded plugin gets its changed subtree without a restart. gRPC
 * service targets are the exception: the runtime's channels are made at start, so a reload whose
 * plugin's services changed target in the file is refused, saying a restart applies it (rather than
 * running on with a target the file no longer names), and so is a handler admitted after start
 * (a new JAR, a refused plugin tried again) whose service was given a target only since.
 *
 * <p>Thread-safe.
 */
public final class LivePluginConfig implements Function<String, Config> {

    private final RuntimeConfig started;
    private final AtomicReference<RuntimeConfig> current;

    /** @param started the config the runtime started with (its targets are the channels' targets) */
    public LivePluginConfig(RuntimeConfig started) {
        this.started = started;
        this.current = new AtomicReference<>(started);
    }

    /** The operator's subtree of a plugin, as last read. */
    @Override
    public Config apply(String pluginId) {
        return current.get().pluginConfig(pluginId);
    }

    /**
     * Reads the config file again; the new reading serves from now on.
     *
     * @param pluginId the plugin about to be reloaded
     * @param services the gRPC services its handlers declare
     * @throws AdmissionException when the file is invalid now, or a target of those services changed
     *     (the last good reading stays)
     */
    void reread(String pluginId, Collection<String> services) {
        RuntimeConfig fresh;
        try {
            fresh = started.reread();
        } catch (InvalidConfigException e) {
            throw new AdmissionException(
                    Stage.CONFIG,
                    pluginId,
                    null,
                    "the config file " + started.file().map(Object::toString).orElse("(none)") + " is invalid now: "
                            + e.getMessage(),
                    e);
        }
        for (String service : services) {
            Optional<String> notInEffect = notInEffect(service, fresh);
            if (notInEffect.isPresent()) {
                throw AdmissionException.refused(
                        Stage.CONFIG, pluginId, notInEffect.get() + ", or undo the change to reload");
            }
        }
        current.set(fresh);
    }

    /**
     * Whether a handler admitted now would call a service on another target than the config file's
     * latest reading names: the channels are the started config's.
     *
     * @return why, with the remedy (a restart), or empty when the file and the channels agree
     */
    public Optional<String> targetNotInEffect(String service) {
        return notInEffect(service, current.get());
    }

    private Optional<String> notInEffect(String service, RuntimeConfig now) {
        RpcServiceSettings before = started.services().get(service);
        RpcServiceSettings after = now.services().get(service);
        if (Objects.equals(before, after)) {
            return Optional.empty();
        }
        String what = before == null ? "was added to" : after == null ? "was removed from" : "changed in";
        return Optional.of("eventbus.grpc.services.\"" + service + "\" " + what
                + " the config file since the runtime started; gRPC targets take effect on restart only: "
                + "restart eventbus");
    }
}
