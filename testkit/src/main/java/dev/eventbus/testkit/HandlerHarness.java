package dev.eventbus.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerSpec;
import io.grpc.Channel;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs one {@link EventHandler} without Redis or the runtime, and says what the runtime would do
 * with each delivery.
 *
 * <pre>{@code
 * var harness = HandlerHarness.of(new MarkOrderPaid())
 *     .channel("orders.v1.OrderService", grpc.channel());
 * assertEquals(Outcome.Kind.SUCCESS, harness.deliver(TestEvents.event("wallet.topup.succeeded")
 *     .stream("wallet").subject("order-42").build()).kind());
 * }</pre>
 *
 * <p>Rules, as in the runtime: a normal return is {@code SUCCESS};
 * {@code NonRetriableEventException}, or a gRPC status exception with INVALID_ARGUMENT, NOT_FOUND,
 * FAILED_PRECONDITION, PERMISSION_DENIED, UNIMPLEMENTED or OUT_OF_RANGE, is {@code DEAD_LETTER};
 * any other exception is {@code RETRY}. The nearest typed signal in the cause chain decides.
 * Unlike the runtime, the harness delivers every event it is given (it does not filter by the
 * subscribed types), lets {@link Error}s (such as a failed assertion) propagate, and throws
 * {@link IllegalStateException} when the handler asked for a service it did not declare or that
 * the test gave no channel for, even if the handler caught that exception: such a bug would
 * otherwise pass for a retry.
 *
 * <p>Lifecycle: {@link #of} calls {@link EventHandler#spec()} once, as the runtime does at plugin
 * start. Configure it before delivering; {@link #deliver} is thread-safe, so a test may deliver
 * concurrently as the runtime does.
 */
public final class HandlerHarness {

    private final EventHandler handler;
    private final HandlerSpec spec;
    private volatile String pluginId = "test-plugin";
    private volatile Config config = ConfigFactory.empty();
    private final Map<String, Channel> channels = new ConcurrentHashMap<>();

    private HandlerHarness(EventHandler handler, HandlerSpec spec) {
        this.handler = handler;
        this.spec = spec;
    }

    /**
     * @param handler the handler under test
     * @return a harness with plugin id {@code test-plugin}, an empty config and no channels
     * @throws IllegalStateException when {@code spec()} throws or returns {@code null}
     */
    public static HandlerHarness of(EventHandler handler) {
        Objects.requireNonNull(handler, "handler");
        HandlerSpec spec;
        try {
            spec = handler.spec();
        } catch (RuntimeException e) {
            throw new IllegalStateException(handler.getClass().getName() + ".spec() threw: " + e, e);
        }
        if (spec == null) {
            throw new IllegalStateException(handler.getClass().getName() + ".spec() returned null");
        }
        return new HandlerHarness(handler, spec);
    }

    /** @param pluginId what {@code HandlerContext.pluginId()} returns */
    public HandlerHarness pluginId(String pluginId) {
        this.pluginId = Objects.requireNonNull(pluginId, "pluginId");
        return this;
    }

    /** @param config the plugin's config subtree, as {@code HandlerContext.config()} returns it */
    public HandlerHarness config(Config config) {
        this.config = Objects.requireNonNull(config, "config");
        return this;
    }

    /**
     * Lends a channel for a declared service.
     *
     * @param service the fully qualified service name, as declared in {@code spec().calls(...)}
     * @param channel for example {@link InProcessGrpc#channel()}
     * @throws IllegalArgumentException when the handler does not declare the service
     */
    public HandlerHarness channel(String service, Channel channel) {
        if (!spec.services().contains(service)) {
            throw new IllegalArgumentException("handler '" + spec.name() + "' does not declare service '" + service
                    + "' (declared: " + spec.services() + ")");
        }
        channels.put(service, Objects.requireNonNull(channel, "channel"));
        return this;
    }

    /** @return the declaration read once by {@link #of} */
    public HandlerSpec spec() {
        return spec;
    }

    /**
     * Calls {@code handler.handle(event, context)} once, with a fresh {@link FakeHandlerContext}.
     *
     * @param event for example from {@link TestEvents}
     * @return what the runtime would do
     * @throws IllegalStateException when the handler asked for an undeclared or unconfigured service
     */
    public Outcome deliver(Event event) {
        Objects.requireNonNull(event, "event");
        FakeHandlerContext context = new FakeHandlerContext(pluginId, config, spec, channels);
        Outcome outcome;
        try {
            handler.handle(event, context);
            outcome = Outcome.success();
        } catch (Exception e) {
            // InterruptedException included: the runtime retries an interrupted (timed-out) delivery.
            outcome = OutcomeRules.classify(e);
        }
        RuntimeException misuse = context.misuse();
        if (misuse != null) {
            throw new IllegalStateException(misuse.getMessage() + " [outcome would have been " + outcome + "]", misuse);
        }
        return outcome;
    }
}
