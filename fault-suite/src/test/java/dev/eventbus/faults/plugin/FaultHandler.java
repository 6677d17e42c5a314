package dev.eventbus.faults.plugin;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.RetriableEventException;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;

/**
 * The fault plugin's handler, packed into a real plugin JAR by the suite (with the order-api
 * classes it uses) and run by the real runtime in a child JVM. It consumes {@value #TYPE} events
 * from stream {@value #STREAM} and calls {@code orders.v1.OrderService/MarkPaid} with
 * {@code orderId} = the event's {@code subject} (the oracle's sequence key, {@code s-<seq>}).
 *
 * <p>It misbehaves on demand, by event header:
 * <ul>
 *   <li>{@code fail=throw}: throws {@link RetriableEventException}, every attempt;</li>
 *   <li>{@code fail=hang}: sleeps forever, swallowing every interrupt;</li>
 *   <li>{@code fail=exit}: {@code System.exit(3)}, the JVM dies;</li>
 *   <li>{@code sleep-ms=N}: sleeps N ms (interruptible) before the call.</li>
 * </ul>
 * Built into the JAR without {@code @Extension}: the JAR builder writes {@code extensions.idx}.
 */
public class FaultHandler implements EventHandler {

    public static final String NAME = "fault-handler";
    public static final String STREAM = "faults";
    public static final String TYPE = "fault.test";
    public static final String SERVICE = "orders.v1.OrderService";

    @Override
    public HandlerSpec spec() {
        return HandlerSpec.named(NAME).consumes(STREAM, TYPE).calls(SERVICE);
    }

    @Override
    public void handle(Event event, HandlerContext context) throws Exception {
        switch (event.header("fail").orElse("")) {
            case "throw" -> throw new RetriableEventException("fault plugin: told to throw");
            case "hang" -> hangForever();
            case "exit" -> System.exit(3);
            default -> { }
        }
        long sleep = Long.parseLong(event.header("sleep-ms").orElse("0"));
        if (sleep > 0) {
            Thread.sleep(sleep);
        }
        OrderServiceGrpc.newBlockingStub(context.channel(SERVICE)).markPaid(MarkPaidRequest.newBuilder()
                .setOrderId(event.subject() == null ? event.entryId() : event.subject())
                .setWalletId("fault-suite")
                .setAmountCents(1)
                .setEventId(event.id())
                .build());
    }

    @SuppressWarnings("InfiniteLoopStatement")
    private static void hangForever() {
        while (true) {
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException ignored) {
                // A badly written handler: swallows the interrupt and goes on sleeping.
            }
        }
    }
}
