package dev.eventbus.samples.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.Behaviour;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs the handler against a real {@link OrderServer} on loopback, through a small stand-in for
 * the runtime's {@link HandlerContext}: a channel that attaches a deadline and the Eventbus
 * metadata as the runtime does, and the plugin's {@code reference.conf} subtree.
 */
class MarkOrderPaidTest {

    private static OrderServer orders;
    private static ManagedChannel channel;

    private final MarkOrderPaid handler = new MarkOrderPaid();

    @BeforeAll
    static void startOrderService() {
        orders = OrderServer.start(0);
        channel = NettyChannelBuilder.forTarget(orders.target()).usePlaintext().build();
    }

    @AfterAll
    static void stopOrderService() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        orders.close();
    }

    @BeforeEach
    void resetOrderService() {
        orders.reset();
        orders.behaviour(Behaviour.OK);
    }

    /** What the runtime lends a handler for one delivery, reduced to what a test needs. */
    private record TestContext(Event event) implements HandlerContext {
        @Override
        public Channel channel(String service) {
            if (!service.equals("orders.v1.OrderService")) {
                throw new IllegalArgumentException("service '" + service + "' was not declared");
            }
            return ClientInterceptors.intercept(channel, new ClientInterceptor() {
                @Override
                public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                    CallOptions withDeadline = options.getDeadline() == null
                            ? options.withDeadlineAfter(5, TimeUnit.SECONDS) : options;
                    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, withDeadline)) {
                        @Override
                        public void start(Listener<A> listener, Metadata headers) {
                            headers.put(OrderServer.IDEMPOTENCY_KEY, "mark-order-paid:" + event.id());
                            headers.put(OrderServer.EVENT_ID, event.id());
                            headers.put(OrderServer.ATTEMPT, Integer.toString(event.attempt()));
                            super.start(listener, headers);
                        }
                    };
                }
            });
        }

        @Override
        public Config config() {
            return ConfigFactory.parseResources("reference.conf").resolve().getConfig("eventbus.plugins.payments");
        }

        @Override
        public String pluginId() {
            return "payments";
        }
    }

    private static Event event(String id, int attempt, String subject, String data) {
        return new Event("wallet", "1732612345678-0", attempt, id, "wallet.topup.succeeded", subject,
                "wallet-service", "2025-01-01T00:00:00Z", "application/json", null,
                data.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    private void handle(Event event) throws Exception {
        handler.handle(event, new TestContext(event));
    }

    @Test
    void declaresItsSubscriptionAndService() {
        HandlerSpec spec = handler.spec();
        assertEquals("mark-order-paid", spec.name());
        assertEquals(Map.of("wallet", Set.of("wallet.topup.succeeded")), spec.subscriptions());
        assertEquals(Set.of("orders.v1.OrderService"), spec.services());
    }

    @Test
    void mapsATopupToMarkPaid() throws Exception {
        handle(event("evt-1", 1, "w-42", "{\"orderId\":\"o-1001\",\"walletId\":\"w-42\",\"amountCents\":1250}"));

        List<ReceivedCall> calls = orders.calls();
        assertEquals(1, calls.size());
        ReceivedCall call = calls.get(0);
        assertEquals("o-1001", call.orderId());
        assertEquals("w-42", call.walletId());
        assertEquals(1250, call.amountCents());
        assertEquals("evt-1", call.requestEventId(), "the request carries the event id");
        assertEquals("evt-1", call.eventId());
        assertEquals("mark-order-paid:evt-1", call.idempotencyKey());
        assertEquals(1, call.attempt());
        assertTrue(call.hadDeadline());
        assertTrue(call.applied());
    }

    @Test
    void aRedeliveryIsHarmless() throws Exception {
        String data = "{\"orderId\":\"o-7\",\"walletId\":\"w-7\",\"amountCents\":700}";
        handle(event("evt-7", 1, "w-7", data));
        handle(event("evt-7", 2, "w-7", data)); // returns normally: the order is already paid

        assertEquals(2, orders.calls().size());
        assertEquals(1, orders.appliedCount());
        assertEquals(1, orders.duplicates());
        assertEquals(2, orders.calls().get(1).attempt());
        assertEquals(Set.of("mark-order-paid:evt-7"), orders.distinctKeys());
    }

    @Test
    void theWalletFallsBackToTheSubjectAndUnknownFieldsAreIgnored() throws Exception {
        handle(event("evt-2", 1, "w-subject", "{\"orderId\":\"o-2\",\"amountCents\":5,\"currency\":\"EUR\"}"));
        ReceivedCall call = orders.calls().get(0);
        assertEquals("w-subject", call.walletId());
        assertEquals(5, call.amountCents());
    }

    @Test
    void badPayloadsAreNonRetriableAndNeverReachTheService() {
        Map<String, String> badPayloads = Map.of(
                "not json", "secret-card-4111 not json",
                "truncated", "{\"orderId\":\"secret-card-4111\"",
                "trailing garbage", "{\"orderId\":\"o-1\",\"amountCents\":1} secret-card-4111",
                "not an object", "[\"secret-card-4111\"]",
                "no orderId", "{\"walletId\":\"secret-card-4111\",\"amountCents\":1}",
                "blank orderId", "{\"orderId\":\" \",\"walletId\":\"secret-card-4111\",\"amountCents\":1}",
                "orderId not a string", "{\"orderId\":4111,\"walletId\":\"secret-card-4111\",\"amountCents\":1}",
                "amount not an integer", "{\"orderId\":\"secret-card-4111\",\"amountCents\":\"12.50\"}",
                "no amount", "{\"orderId\":\"secret-card-4111\"}",
                "empty", "");
        badPayloads.forEach((what, data) -> {
            NonRetriableEventException e = assertThrows(NonRetriableEventException.class,
                    () -> handle(event("evt-bad", 1, "w-1", data)), what);
            assertTrue(e.getMessage().contains("evt-bad"), what + ": names the event: " + e.getMessage());
            assertFalse(e.getMessage().contains("secret-card-4111"), what + ": no payload: " + e.getMessage());
            assertEquals(null, e.getCause(), what + ": no cause that could quote the payload");
        });
        assertEquals(Collections.emptyList(), orders.calls());
    }

    @Test
    void invalidJsonSaysSo() {
        NonRetriableEventException e = assertThrows(NonRetriableEventException.class,
                () -> handle(event("evt-3", 1, "w-1", "{oops")));
        assertTrue(e.getMessage().startsWith("wallet.topup.succeeded event evt-3 (entry 1732612345678-0): data is not valid JSON"),
                e.getMessage());
        NonRetriableEventException noOrder = assertThrows(NonRetriableEventException.class,
                () -> handle(event("evt-4", 1, "w-1", "{\"amountCents\":1}")));
        assertTrue(noOrder.getMessage().endsWith("data has no orderId (a non-blank string)"), noOrder.getMessage());
    }

    @Test
    void grpcFailuresPropagateForTheRuntimeToClassify() {
        String data = "{\"orderId\":\"o-5\",\"walletId\":\"w-5\",\"amountCents\":500}";
        orders.behaviour(Behaviour.FAIL_UNAVAILABLE);
        StatusRuntimeException unavailable = assertThrows(StatusRuntimeException.class,
                () -> handle(event("evt-5", 1, "w-5", data)));
        assertEquals(Status.Code.UNAVAILABLE, unavailable.getStatus().getCode());

        orders.behaviour(Behaviour.FAIL_INVALID_ARGUMENT);
        StatusRuntimeException invalid = assertThrows(StatusRuntimeException.class,
                () -> handle(event("evt-5", 2, "w-5", data)));
        assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());

        assertEquals(2, orders.calls().size());
        assertEquals(0, orders.appliedCount());
    }

    @Test
    void referenceConfHasTheDefaults() {
        Config config = new TestContext(event("e", 1, null, "{}")).config();
        assertFalse(config.getBoolean("log-calls"));
    }

    @Test
    void theAnnotationProcessorIndexedTheHandler() throws IOException {
        boolean found = false;
        for (URL index : Collections.list(getClass().getClassLoader().getResources("META-INF/extensions.idx"))) {
            try (InputStream in = index.openStream()) {
                found |= new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                        .anyMatch(MarkOrderPaid.class.getName()::equals);
            }
        }
        assertTrue(found, "META-INF/extensions.idx lists " + MarkOrderPaid.class.getName());
    }
}
