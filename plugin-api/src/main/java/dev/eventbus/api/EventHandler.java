package dev.eventbus.api;

import org.pf4j.ExtensionPoint;

/**
 * The extension point a plugin implements, once per handler.
 *
 * <p>Lifecycle: the runtime instantiates each handler class once when its plugin starts (through
 * PF4J, so it needs a public no-argument constructor), calls {@link #spec()} once, validates the
 * declaration, and then calls {@link #handle} for every event of a subscribed type until the plugin
 * stops. There is no separate init or close hook: state a handler needs is built in its constructor
 * or lazily, and anything it owns must be released by the plugin's {@code org.pf4j.Plugin#stop()}.
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
