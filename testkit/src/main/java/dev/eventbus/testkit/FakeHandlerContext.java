package dev.eventbus.testkit;

import com.typesafe.config.Config;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import io.grpc.Channel;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link HandlerContext} for unit tests: lends the channels it was given, enforcing the
 * handler's declared services as the runtime does. It adds no call metadata (idempotency key,
 * deadline): that is the runtime's job, tested there.
 *
 * <p>Immutable apart from the record of the first misuse (see {@link HandlerHarness}); thread-safe.
 * One instance per delivery.
 */
public final class FakeHandlerContext implements HandlerContext {

    private final String pluginId;
    private final Config config;
    private final HandlerSpec spec;
    private final Map<String, Channel> channels;
    private final AtomicReference<RuntimeException> misuse = new AtomicReference<>();

    /**
     * @param pluginId what {@link #pluginId()} returns
     * @param config what {@link #config()} returns
     * @param spec the handler's declaration; only its services are lent
     * @param channels a channel per service (may cover fewer services than declared)
     */
    public FakeHandlerContext(String pluginId, Config config, HandlerSpec spec, Map<String, ? extends Channel> channels) {
        this.pluginId = Objects.requireNonNull(pluginId, "pluginId");
        this.config = Objects.requireNonNull(config, "config");
        this.spec = Objects.requireNonNull(spec, "spec");
        this.channels = Map.copyOf(channels);
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
        return channel;
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
