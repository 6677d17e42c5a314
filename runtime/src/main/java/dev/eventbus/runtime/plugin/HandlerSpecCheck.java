package dev.eventbus.runtime.plugin;

import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The rules a handler's declaration must meet: it consumes something, its name is unique (it names
 * consumer groups), an ordered handler consumes no partitioned stream (ordering across instances
 * needs partition owners), and every gRPC service it declares has a configured target. Stateless;
 * thread-safe.
 */
final class HandlerSpecCheck {

    private final Predicate<String> serviceConfigured;
    private final Predicate<String> orderedBySubject;
    private final Predicate<String> partitioned;

    /** @param serviceConfigured whether a gRPC service (by full name) has a target */
    HandlerSpecCheck(Predicate<String> serviceConfigured) {
        this(serviceConfigured, handler -> false, stream -> false);
    }

    /**
     * @param orderedBySubject whether a handler (by name) is configured ordered-by-subject
     * @param partitioned whether a stream (by name) is a partitioned stream
     */
    HandlerSpecCheck(
            Predicate<String> serviceConfigured, Predicate<String> orderedBySubject, Predicate<String> partitioned) {
        this.serviceConfigured = serviceConfigured;
        this.orderedBySubject = orderedBySubject;
        this.partitioned = partitioned;
    }

    /**
     * @param handlerClass the class that returned the spec, named when the spec has no name
     * @param namesInUse names of the handlers admitted already
     * @throws AdmissionException naming the handler and what is wrong
     */
    void check(String pluginId, String handlerClass, HandlerSpec spec, Set<String> namesInUse) {
        String problem = problemWith(spec, namesInUse);
        if (problem != null) {
            String handler = spec == null ? handlerClass : spec.name();
            throw new AdmissionException(
                    Stage.HANDLER, pluginId, handler, "handler '" + handler + "': " + problem, null);
        }
    }

    private String problemWith(HandlerSpec spec, Set<String> namesInUse) {
        if (spec == null) {
            return "spec() returned null";
        }
        if (spec.subscriptions().isEmpty()) {
            return "consumes nothing: declare at least one stream and event type with consumes(...)";
        }
        if (namesInUse.contains(spec.name())) {
            return "another handler already uses this name (handler names must be unique: they name consumer groups)";
        }
        if (orderedBySubject.test(spec.name())) {
            for (String stream : spec.subscriptions().keySet()) {
                if (partitioned.test(stream)) {
                    return "is ordered-by-subject and consumes partitioned stream '" + stream + "': ordering across "
                            + "partitions needs partition ownership, which this version does not have; set "
                            + "eventbus.handlers." + spec.name()
                            + ".ordered-by-subject = false or consume an unpartitioned stream";
                }
            }
        }
        for (String service : spec.services()) {
            if (!serviceConfigured.test(service)) {
                return "declares gRPC service '" + service + "' but it has no target: add eventbus.grpc.services.\""
                        + service + "\".target to the runtime config";
            }
        }
        return null;
    }
}
