package dev.eventbus.runtime.plugin;

import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The rules a handler's declaration must meet: it consumes something, its name is unique (it names
 * consumer groups), and every gRPC service it declares has a configured target, the one the
 * config file names now. Stateless; thread-safe.
 */
final class HandlerSpecCheck {

    private final Predicate<String> serviceConfigured;
    private final Function<String, Optional<String>> targetNotInEffect;

    /** @param serviceConfigured whether a gRPC service (by full name) has a target */
    HandlerSpecCheck(Predicate<String> serviceConfigured) {
        this(serviceConfigured, service -> Optional.empty());
    }

    /**
     * @param serviceConfigured whether a gRPC service (by full name) has a channel
     * @param targetNotInEffect why the config file's target of a service is not the channel's, if it
     *     is not (see {@link LivePluginConfig#targetNotInEffect}): the handler is refused with it,
     *     since "add a target" would be wrong advice to an operator who just added one
     */
    HandlerSpecCheck(Predicate<String> serviceConfigured, Function<String, Optional<String>> targetNotInEffect) {
        this.serviceConfigured = serviceConfigured;
        this.targetNotInEffect = targetNotInEffect;
    }

    /**
     * @param handlerClass the class that returned the spec, named when the spec has no name
     * @param namesInUse names a handler may not have, each to why (see {@link #nameTaken})
     * @throws AdmissionException naming the handler and what is wrong
     */
    void check(String pluginId, String handlerClass, HandlerSpec spec, Map<String, String> namesInUse) {
        String problem = problemWith(spec, namesInUse);
        if (problem != null) {
            String handler = spec == null ? handlerClass : spec.name();
            throw new AdmissionException(
                    Stage.HANDLER, pluginId, handler, "handler '" + handler + "': " + problem, null);
        }
    }

    /**
     * Why a handler is refused whose name another handler has already.
     *
     * @param holder the handler that has it, e.g. {@code handler class com.acme.Foo of plugin hello
     *     (hello.jar)}
     */
    static String nameTaken(String holder) {
        return "another handler already uses this name: " + holder
                + " (handler names must be unique: they name consumer groups)";
    }

    /** The handler that has a name, as {@link #nameTaken} says it. */
    static String holder(String handlerClass, String pluginId, String source) {
        return "handler class " + handlerClass + " of plugin " + pluginId + (source == null ? "" : " (" + source + ")");
    }

    private String problemWith(HandlerSpec spec, Map<String, String> namesInUse) {
        if (spec == null) {
            return "spec() returned null";
        }
        if (spec.subscriptions().isEmpty()) {
            return "consumes nothing: declare at least one stream and event type with consumes(...)";
        }
        String taken = namesInUse.get(spec.name());
        if (taken != null) {
            return taken;
        }
        for (String service : spec.services()) {
            Optional<String> notInEffect = targetNotInEffect.apply(service);
            if (notInEffect.isPresent()) {
                return "declares gRPC service '" + service + "', but " + notInEffect.get();
            }
            if (!serviceConfigured.test(service)) {
                // "and restart it": a target added later takes effect on restart only (a reload of the
                // plugin after adding one is refused so), found from outside.
                return "declares gRPC service '" + service + "' but it has no target: add eventbus.grpc.services.\""
                        + service + "\".target to the runtime config and restart it";
            }
        }
        return null;
    }
}
