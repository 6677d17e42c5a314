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
 *   <li>{@code fail=stall}: sleeps {@code stall-ms} ignoring interrupts (past its timeout), then calls;</li>
 *   <li>{@code fail-attempts=N}: the {@code fail} behaviour applies to deliveries 1..N only (then the
 *       event succeeds); without it, to every delivery;</li>
 *   <li>{@code sleep-ms=N}: sleeps N ms (interruptible) before the call.</li>
 * </ul>
 * The order id is {@link #orderPrefix()} + the {@code order} header when there is one (the
 * randomized mode, whose subjects are shared by many events), else the subject; the wallet id names
 * the runtime process ({@code pid-<pid>}), so that the oracle can check order within one instance.
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
        int failAttempts = Integer.parseInt(event.header("fail-attempts").orElse("2147483647"));
        String fail = event.attempt() <= failAttempts ? event.header("fail").orElse("") : "";
        switch (fail) {
            case "throw" -> throw new RetriableEventException("fault plugin: told to throw");
            case "hang" -> hangForever();
            case "stall" -> stall(Long.parseLong(event.header("stall-ms").orElse("3000")));
            case "exit" -> System.exit(3);
            default -> {}
        }
        long sleep = Long.parseLong(event.header("sleep-ms").orElse("0"));
        if (sleep > 0) {
            Thread.sleep(sleep);
        }
        OrderServiceGrpc.newBlockingStub(context.channel(SERVICE))
                .markPaid(MarkPaidRequest.newBuilder()
                        .setOrderId(event.header("order")
                                .map(o -> orderPrefix() + o)
                                .orElse(event.subject() == null ? event.entryId() : event.subject()))
                        .setWalletId("pid-" + ProcessHandle.current().pid())
                        .setAmountCents(1)
                        .setEventId(event.id())
                        .build());
    }

    /** Prefix of the order id made from the {@code order} header: one per handler, so each handler has its own orders. */
    protected String orderPrefix() {
        return "s-";
    }

    /** Past the handler timeout, deaf to interrupts, but it ends: the runtime abandons the worker meanwhile. */
    private static void stall(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            try {
                Thread.sleep(Math.max(1, left / 1_000_000));
            } catch (InterruptedException ignored) {
                // Deaf on purpose.
            }
        }
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
