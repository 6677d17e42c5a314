package dev.eventbus.runtime.dispatch;

import com.typesafe.config.Config;
import dev.eventbus.api.Event;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.runtime.plugin.LoadedHandler;
import dev.eventbus.runtime.rpc.DeliveryMetadataInterceptor;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;

/**
 * The {@link HandlerContext} of one delivery: lends the handler's declared channels, each wrapped
 * so its calls carry this event's deadline and metadata.
 */
final class DeliveryContext implements HandlerContext {

    private final LoadedHandler handler;
    private final RpcChannelRegistry rpc;
    private final Event event;
    private final String group;

    DeliveryContext(LoadedHandler handler, RpcChannelRegistry rpc, Event event, String group) {
        this.handler = handler;
        this.rpc = rpc;
        this.event = event;
        this.group = group;
    }

    @Override
    public Channel channel(String service) {
        if (!handler.spec().services().contains(service)) {
            throw new IllegalArgumentException("handler '" + handler.name() + "' calls gRPC service '" + service
                    + "' without declaring it: add .calls(\"" + service + "\") to its HandlerSpec");
        }
        var settings = rpc.settings(service)
                .orElseThrow(
                        () -> new IllegalStateException("gRPC service '" + service + "' has no configured target"));
        var channel = rpc.channel(service).orElseThrow();
        return ClientInterceptors.intercept(
                channel,
                new DeliveryMetadataInterceptor(
                        idempotencyKey(group, event),
                        event.id(),
                        event.attempt(),
                        event.traceparent(),
                        settings.deadline()));
    }

    /** The innermost handler call: the handler itself, with this context for the invocation. */
    static HandlerCall handlerCall(RpcChannelRegistry rpc) {
        return invocation -> {
            LoadedHandler handler = invocation.subscription().handler();
            handler.handler()
                    .handle(
                            invocation.event(),
                            new DeliveryContext(
                                    handler,
                                    rpc,
                                    invocation.event(),
                                    invocation.subscription().group()));
        };
    }

    /**
     * The same for every delivery of one entry to one handler (group), whatever the attempt, the
     * consumer or the instance, so receivers can deduplicate on it.
     */
    static String idempotencyKey(String group, Event event) {
        return group + "/" + event.stream() + "/" + event.entryId();
    }

    @Override
    public Config config() {
        return handler.pluginConfig();
    }

    @Override
    public String pluginId() {
        return handler.pluginId();
    }
}
