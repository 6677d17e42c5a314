package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.pf4j.PluginDescriptor;

/**
 * The admission checks of a plugin JAR that need none of its code, with the runtime's rules and
 * messages: readable, descriptor, no bundled shared library, allow-list, and the operator's config
 * under {@code eventbus.plugins.<id>} against the {@code reference.conf} read from the JAR as data.
 * {@code eventbus config check} runs them in the operator's shell, where no plugin code may run.
 *
 * <p>Stateless; thread-safe.
 */
public final class PluginJarCheck {

    private PluginJarCheck() {}

    /**
     * @param apiVersion the plugin-api version the runtime provides
     * @return the refusal the runtime would record for this JAR before running any of its code, or
     *     empty when it passes these checks
     */
    public static Optional<PluginFailure> check(Path jar, RuntimeConfig config, String apiVersion) {
        String source = jar.getFileName().toString();
        try {
            String sha256;
            try {
                sha256 = StagingArea.sha256(jar);
            } catch (IOException e) {
                throw new AdmissionException(Stage.READ, null, null, "cannot read it: " + rootMessage(e), e);
            }
            var manager = new EventbusPluginManager(jar.toAbsolutePath().getParent(), apiVersion);
            PluginDescriptor descriptor = new JarInspector(
                            manager, new AllowList(config.pluginHost().allowList()))
                    .inspect(new StagedJar(jar, sha256));
            String pluginId = descriptor.getPluginId();
            new PluginConfigs(config::pluginConfig).assemble(pluginId, PluginConfigs.defaultsIn(jar, pluginId));
            return Optional.empty();
        } catch (AdmissionException refused) {
            return Optional.of(refused.failure(source));
        }
    }
}
