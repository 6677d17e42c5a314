package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import dev.eventbus.api.EventHandler;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import dev.eventbus.runtime.plugin.CodeFreeFindings.Verdict;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginWrapper;

/**
 * The admission checks of a plugin JAR that need none of its code, with the runtime's rules and
 * messages: readable, descriptor, no bundled shared library, allow-list, and the operator's config
 * under {@code eventbus.plugins.<id>} against the {@code reference.conf} read from the JAR as data;
 * and, for the views without a runtime, its handler classes loaded (not initialized) by the
 * runtime's class loader and judged by the runtime's rules ({@link HandlerClasses}). {@code eventbus
 * config check}, {@code plugins list} and {@code topology} run them in the operator's shell, where no
 * plugin code may run.
 *
 * <p>Stateless; thread-safe.
 */
public final class PluginJarCheck {

    private PluginJarCheck() {}

    /**
     * @param apiVersion the plugin-api version the runtime provides
     * @return what the runtime would record for this JAR before running any of its code (its
     *     handler classes not loaded: {@code config check} admits them in a host of its own):
     *     refused before it claims its plugin id (unreadable, descriptor, bundled shared library,
     *     allow-list), refused after (its config), or admitted so far
     */
    public static CodeFreeFindings check(Path jar, RuntimeConfig config, String apiVersion) {
        String source = jar.getFileName().toString();
        String pluginId;
        try {
            pluginId = inspect(jar, new EventbusPluginManager(dir(jar), apiVersion), config);
        } catch (AdmissionException refused) {
            return CodeFreeFindings.refusedBeforeItsId(refused.failure(source));
        }
        try {
            checkConfig(jar, config, pluginId);
            return CodeFreeFindings.admitted();
        } catch (AdmissionException refused) {
            return new CodeFreeFindings(Verdict.REFUSED, List.of(refused.failure(source)), Set.of());
        }
    }

    /**
     * Everything the runtime's admission of the JAR finds without running its code, in its order:
     * as {@link #check}, then its handler classes, so that a JAR none of whose handler classes loads
     * is refused here as in the runtime (claiming its plugin id all the same), and a handler
     * class that does not load is refused by name while the others are shown.
     */
    public static CodeFreeFindings findings(Path jar, RuntimeConfig config, String apiVersion) {
        String source = jar.getFileName().toString();
        var manager = new EventbusPluginManager(dir(jar), apiVersion);
        String pluginId;
        try {
            pluginId = inspect(jar, manager, config);
        } catch (AdmissionException refused) {
            return CodeFreeFindings.refusedBeforeItsId(refused.failure(source));
        }
        // From here on the JAR claims its plugin id. The runtime loads the plugin and starts it (its
        // code: not run here), then reads its config and finds its handler classes.
        List<PluginFailure> refusals = new ArrayList<>();
        try {
            PluginWrapper plugin = manager.load(jar, pluginId);
            try {
                checkConfig(jar, config, pluginId);
                List<Class<? extends EventHandler>> found = HandlerClasses.ofLoaded(manager, pluginId);
                List<AdmissionException> unloadable = HandlerClasses.unloadable(manager, plugin, found);
                Set<String> refusedClasses = new LinkedHashSet<>();
                unloadable.forEach(r -> {
                    refusals.add(r.failure(source));
                    refusedClasses.add(r.handler());
                });
                if (found.isEmpty()) {
                    throw HandlerClasses.noneAdmitted(pluginId, unloadable);
                }
                return new CodeFreeFindings(Verdict.ADMITTED, refusals, refusedClasses);
            } finally {
                manager.unloadPlugin(pluginId);
            }
        } catch (AdmissionException refused) {
            PluginFailure failure = refused.failure(source);
            if (!refusals.contains(failure)) {
                refusals.add(failure); // as the runtime records it: once
            }
            return new CodeFreeFindings(Verdict.REFUSED, refusals, Set.of());
        }
    }

    private static Path dir(Path jar) {
        return jar.toAbsolutePath().getParent();
    }

    /** @return the plugin id; @throws AdmissionException as the runtime refuses it before loading it */
    private static String inspect(Path jar, EventbusPluginManager manager, RuntimeConfig config) {
        String sha256;
        try {
            sha256 = StagingArea.sha256(jar);
        } catch (IOException e) {
            throw new AdmissionException(Stage.READ, null, null, "cannot read it: " + rootMessage(e), e);
        }
        PluginDescriptor descriptor = new JarInspector(
                        manager, new AllowList(config.pluginHost().allowList()))
                .inspect(new StagedJar(jar, sha256));
        return descriptor.getPluginId();
    }

    private static void checkConfig(Path jar, RuntimeConfig config, String pluginId) {
        new PluginConfigs(config::pluginConfig).assemble(pluginId, PluginConfigs.defaultsIn(jar, pluginId));
    }
}
