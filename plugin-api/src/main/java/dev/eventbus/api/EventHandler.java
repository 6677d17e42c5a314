package dev.eventbus.api;

import com.typesafe.config.Config;
import org.pf4j.ExtensionPoint;

/**
 * The extension point a plugin implements, once per handler.
 *
 * <p>Lifecycle: the runtime instantiates each handler class once when its plugin starts (through
 * PF4J, so it needs a public no-argument constructor), calls {@link #spec()} once, validates the
 * declaration, calls {@link #start(Config)} once (the place to read and check its config), and
 * then calls {@link #handle} for every event of a subscribed type until the plugin stops. A
 * handler whose constructor, {@code spec()} or {@code start} throws is refused with the reason;
 * the plugin's other handlers still run. There is no close hook: anything a handler owns must be
 * released by the plugin's {@code org.pf4j.Plugin#stop()}.
 *
 * <p>Threading: {@link #handle} is called concurrently from virtual threads; implementations must
 * be thread-safe. A call may be interrupted when it exceeds the handler's timeout or the runtime
 * shuts down; blocking operations should honour interruption.
 *
 * <pre>{@code
 * @Extension
 * public class MarkOrderPaid implements EventHandler {
 *   public HandlerSpec spec() {
 *     return HandlerSpec.named("mark-order-paid")
 *         .consumes("wallet", "wallet.topup.succeeded")
 *         .calls("orders.v1.OrderService");
 *   }
 *   public void handle(Event event, HandlerContext context) {
 *     var orders = OrderServiceGrpc.newBlockingStub(context.channel("orders.v1.OrderService"));
 *     orders.markPaid(MarkPaidRequest.newBuilder().setOrderId(event.subject()).build());
 *   }
 * }
 * }</pre>
 *
 * @since 0.1
 */
public interface EventHandler extends ExtensionPoint {

    /**
     * Declares the handler's name, the streams and event types it consumes and the gRPC services it
     * calls. Called once per plugin start; the result must not change while the plugin runs.
     *
     * @return the declaration, never {@code null}
     */
    HandlerSpec spec();

    /**
     * Prepares the handler once it is admitted, before any event: read and check the config it
     * needs here, so that a missing or wrong key refuses the handler when it loads, with the key
     * named, instead of failing every event with retries. Throw to refuse the handler: the runtime
     * does not call {@link #handle}, logs the exception's message as the reason and shows it in
     * {@code eventbus plugins list}, {@code status}, the admin API and readiness; the plugin's other
     * handlers still run.
     *
     * <p>Called once per plugin start (so again after each reload), after {@link #spec()} was
     * checked, on one thread, with the plugin's class loader as the context class loader; no call
     * to {@link #handle} starts before it returns. Keep it short: it holds up the plugin's start.
     * The default does nothing.
     *
     * <pre>{@code
     * private volatile long limit;
     *
     * public void start(Config config) {
     *   limit = config.getLong("limit"); // absent: ConfigException.Missing names "limit"
     * }
     * }</pre>
     *
     * @param config the plugin's configuration, the same as {@link HandlerContext#config()}
     * @throws Exception any problem; the handler is then refused with the exception's message
     * @since 0.1
     */
    default void start(Config config) throws Exception {}

    /**
     * Handles one event. Return normally when the event is done; throw to report a failure (see the
     * package documentation for how each exception type is treated).
     *
     * @param event the event, never {@code null}
     * @param context what the runtime lends this delivery: gRPC channels and the plugin's config;
     *     valid only until this call returns
     * @throws Exception any failure; anything other than {@link NonRetriableEventException} is
     *     retried
     */
    void handle(Event event, HandlerContext context) throws Exception;
}
