package dev.eventbus.api;

import com.typesafe.config.Config;
import io.grpc.Channel;

/**
 * What the runtime lends a handler for one delivery.
 *
 * <p>Channels come from the runtime, which owns one connection per configured service and closes
 * them; a handler never creates or shuts down channels. Every call made on a lent channel carries
 * the configured deadline (unless the caller set a shorter one) and the metadata entries
 * {@code idempotency-key} (the same for every delivery of one event to one handler),
 * {@code eventbus-event-id} and {@code eventbus-attempt}, plus {@code traceparent} when the event
 * has one. The runtime does not retry calls itself: a failed call fails the handler, and the
 * event's retry policy decides.
 *
 * <p>Thread-safe. Valid until {@link EventHandler#handle} returns; calls made after that still work
 * but carry the metadata of the event they were made for.
 *
 * @since 0.1
 */
public interface HandlerContext {

    /**
     * A gRPC channel to a service this handler declared in {@link HandlerSpec#services()}.
     *
     * @param service the fully qualified service name, as declared
     * @return a channel for generated stubs ({@code FooGrpc.newBlockingStub(channel)})
     * @throws IllegalArgumentException when the service was not declared by this handler
     */
    Channel channel(String service);

    /**
     * The plugin's own configuration: the plugin's {@code reference.conf} defaults under
     * {@code eventbus.plugins.<plugin-id>}, overridden by the operator's config at the same path.
     * The handler never sees the rest of the runtime's configuration.
     *
     * @return the plugin's subtree, possibly empty
     */
    Config config();

    /**
     * The id of the plugin this handler belongs to.
     *
     * @return the PF4J plugin id
     */
    String pluginId();
}
