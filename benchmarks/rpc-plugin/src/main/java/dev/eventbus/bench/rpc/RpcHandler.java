package dev.eventbus.bench.rpc;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import org.pf4j.Extension;

/**
 * The benchmark's gRPC handler: one blocking {@code orders.v1.OrderService/MarkPaid} call per event
 * on the channel the runtime lends, the request built from the event's subject and id (no payload
 * parsing, so what is measured is the runtime plus the call). The reference loop sends the same
 * request.
 */
@Extension
public class RpcHandler implements EventHandler {

    /** The stream every benchmark scenario reads. */
    public static final String STREAM = "bench:events";
    /** The type every benchmark event carries. */
    public static final String TYPE = "bench.order.created";

    /** Needed by PF4J. */
    public RpcHandler() {}

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named("bench-rpc").consumes(STREAM, TYPE).calls(OrderServiceGrpc.SERVICE_NAME);
    }

    @Override
    public void handle(Event event, HandlerContext context) {
        MarkPaidRequest request = MarkPaidRequest.newBuilder()
                .setOrderId(event.subject() == null ? "" : event.subject())
                .setWalletId("w-bench")
                .setAmountCents(event.data().length)
                .setEventId(event.id())
                .build();
        OrderServiceGrpc.newBlockingStub(context.channel(OrderServiceGrpc.SERVICE_NAME))
                .markPaid(request);
    }
}
