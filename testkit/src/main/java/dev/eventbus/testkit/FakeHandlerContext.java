package dev.eventbus.testkit;

import com.typesafe.config.Config;
import dev.eventbus.api.Event;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link HandlerContext} for unit tests: lends the channels it was given, enforcing the
 * handler's declared services as the runtime does. Made for a delivery (the constructor with an
 * {@link Event}), it stamps every call as the runtime does: a deadline and the
 * {@code idempotency-key} ({@code <handler>/<stream>/<entry-id>}), {@code eventbus-event-id},
 * {@code eventbus-attempt} and {@code traceparent} headers.
 *
 * <p>Immutable apart from the record of the first misuse (see {@link HandlerHarness}); thread-safe.
 * One instance per delivery.
 */
public final class FakeHandlerContext implements HandlerContext {

    private final String pluginId;
    private final Config config;
    private final HandlerSpec spec;
    private final Map<String, Channel> channels;
    private final DeliveryMetadata metadata;
    private final AtomicReference<RuntimeException> misuse = new AtomicReference<>();

    /**
     * @param pluginId what {@link #pluginId()} returns
     * @param config what {@link #config()} returns
     * @param spec the handler's declaration; only its services are lent
     * @param channels a channel per service (may cover fewer services than declared)
     */
    public FakeHandlerContext(
            String pluginId, Config config, HandlerSpec spec, Map<String, ? extends Channel> channels) {
        this(pluginId, config, spec, channels, null, null);
    }

    /**
     * A context for one delivery: its channels stamp each call with the event's metadata.
     *
     * @param pluginId what {@link #pluginId()} returns
     * @param config what {@link #config()} returns
     * @param spec the handler's declaration; only its services are lent
     * @param channels a channel per service (may cover fewer services than declared)
     * @param event the event delivered
     * @param deadline the deadline of each call unless the handler sets a shorter one, as the
     *     runtime's {@code eventbus.grpc.defaults.deadline}
     */
    public FakeHandlerContext(
            String pluginId,
            Config config,
            HandlerSpec spec,
            Map<String, ? extends Channel> channels,
            Event event,
            Duration deadline) {
        this.pluginId = Objects.requireNonNull(pluginId, "pluginId");
        this.config = Objects.requireNonNull(config, "config");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.channels = Map.copyOf(channels);
        this.metadata = event == null
                ? null
                : new DeliveryMetadata(spec.name(), event, Objects.requireNonNull(deadline, "deadline"));
    }

    /**
     * @throws IllegalArgumentException when the handler did not declare the service, as in the runtime
     * @throws IllegalStateException when it did but the test gave no channel for it
     */
    @Override
    public Channel channel(String service) {
        if (!spec.services().contains(service)) {
            throw recorded(new IllegalArgumentException("handler '" + spec.name() + "' did not declare service '"
                    + service + "' (declared: " + spec.services() + "); add it to spec().calls(...)"));
        }
        Channel channel = channels.get(service);
        if (channel == null) {
            throw recorded(new IllegalStateException("handler '" + spec.name() + "' declares service '" + service
                    + "' but the test gave no channel for it; use HandlerHarness.channel(\"" + service
                    + "\", channel), e.g. InProcessGrpc.channel()"));
        }
        return metadata == null ? channel : ClientInterceptors.intercept(channel, metadata);
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public String pluginId() {
        return pluginId;
    }

    /** The first wrong {@link #channel} request, even if the handler swallowed the exception. */
    RuntimeException misuse() {
        return misuse.get();
    }

    private RuntimeException recorded(RuntimeException e) {
        misuse.compareAndSet(null, e);
        return e;
    }
}
