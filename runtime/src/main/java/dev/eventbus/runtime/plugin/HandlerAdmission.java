package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import com.typesafe.config.Config;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pf4j.ExtensionFactory;

/**
 * Admits the handlers of a started plugin, each on its own: created by the extension factory, its
 * spec read once and checked, its {@link EventHandler#start} hook run. A handler refused leaves
 * the plugin's other handlers admitted.
 *
 * <p>Stateless; thread-safe.
 */
final class HandlerAdmission {

    /** The handlers admitted, in extension order, and the refusal of each other one. */
    record Result(List<LoadedHandler> admitted, List<AdmissionException> refused) {

        Result {
            admitted = List.copyOf(admitted);
            refused = List.copyOf(refused);
        }
    }

    private final ExtensionFactory factory;
    private final HandlerSpecCheck specs;

    HandlerAdmission(ExtensionFactory factory, HandlerSpecCheck specs) {
        this.factory = factory;
        this.specs = specs;
    }

    /**
     * @param types the plugin's {@link EventHandler} extension classes
     * @param loader the plugin's class loader
     * @param config the plugin's config subtree
     * @param namesInUse names its handlers may not have (other JARs claim them), each to why
     */
    Result admit(
            String pluginId,
            String version,
            ClassLoader loader,
            List<Class<? extends EventHandler>> types,
            Config config,
            Map<String, String> namesInUse) {
        Map<String, String> names = new HashMap<>(namesInUse);
        List<LoadedHandler> admitted = new ArrayList<>();
        List<AdmissionException> refused = new ArrayList<>();
        for (Class<? extends EventHandler> type : types) {
            try {
                LoadedHandler handler = admit(pluginId, version, loader, type, config, names);
                names.put(
                        handler.name(),
                        HandlerSpecCheck.nameTaken(HandlerSpecCheck.holder(type.getName(), pluginId, null)));
                admitted.add(handler);
            } catch (AdmissionException e) {
                refused.add(e.of(pluginId));
            }
        }
        return new Result(admitted, refused);
    }

    private LoadedHandler admit(
            String pluginId,
            String version,
            ClassLoader loader,
            Class<? extends EventHandler> type,
            Config config,
            Map<String, String> namesInUse) {
        EventHandler handler = factory.create(type);
        HandlerSpec spec;
        try {
            spec = handler.spec();
        } catch (RuntimeException | LinkageError e) {
            throw new AdmissionException(
                    Stage.HANDLER,
                    pluginId,
                    type.getName(),
                    "handler class " + type.getName() + ": spec() failed: " + rootMessage(e),
                    e);
        }
        specs.check(pluginId, type.getName(), spec, namesInUse);
        start(pluginId, handler, spec.name(), loader, config);
        return new LoadedHandler(handler, spec, pluginId, version, loader, config);
    }

    /** Runs the handler's start hook inside its plugin (context class loader), as its calls will run. */
    private static void start(String pluginId, EventHandler handler, String name, ClassLoader loader, Config config) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            handler.start(config);
        } catch (Exception | LinkageError e) {
            throw new AdmissionException(
                    Stage.HANDLER,
                    pluginId,
                    name,
                    "handler '" + name + "': start(config) failed: " + rootMessage(e),
                    e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
