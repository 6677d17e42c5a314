package dev.eventbus.samples.payments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.Behaviour;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.HandlerHarness;
import dev.eventbus.testkit.Outcome;
import dev.eventbus.testkit.TestEvents;
import io.grpc.ManagedChannel;
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
 * Runs the handler against a real {@link OrderServer} on loopback through the test kit's
 * {@link HandlerHarness}, which lends the channel as the runtime does: with a deadline and the
 * runtime's metadata (idempotency key {@code <handler>/<stream>/<entry-id>}, event id, attempt),
 * and the plugin's own {@code reference.conf} subtree as config.
 */
class MarkOrderPaidTest {

    private static final String ENTRY_ID = "1732612345678-0";

    private static OrderServer orders;
    private static ManagedChannel channel;

    private final HandlerHarness harness = HandlerHarness.of(new MarkOrderPaid());

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
        harness.channel(MarkOrderPaid.ORDER_SERVICE, channel);
    }

    private static Event event(String id, int attempt, String subject, String data) {
        return TestEvents.event("wallet.topup.succeeded").stream("wallet")
                .entryId(ENTRY_ID)
                .id(id)
                .attempt(attempt)
                .subject(subject)
                .source("wallet-service")
                .time("2025-01-01T00:00:00Z")
                .dataContentType("application/json")
                .data(data)
                .build();
    }

    /** The handler's exception for an event the runtime would dead-letter. */
    private NonRetriableEventException deadLettered(Event event) {
        Outcome outcome = harness.deliver(event);
        assertEquals(Outcome.Kind.DEAD_LETTER, outcome.kind(), () -> "dead-lettered: " + outcome);
        return assertInstanceOf(NonRetriableEventException.class, outcome.error());
    }

    @Test
    void declaresItsSubscriptionAndService() {
        HandlerSpec spec = harness.spec();
        assertEquals("mark-order-paid", spec.name());
        assertEquals(Map.of("wallet", Set.of("wallet.topup.succeeded")), spec.subscriptions());
        assertEquals(Set.of("orders.v1.OrderService"), spec.services());
    }

    @Test
    void mapsATopupToMarkPaid() {
        Event event = event("evt-1", 1, "w-42", "{\"orderId\":\"o-1001\",\"walletId\":\"w-42\",\"amountCents\":1250}");
        assertEquals(Outcome.Kind.SUCCESS, harness.deliver(event).kind());

        List<ReceivedCall> calls = orders.calls();
        assertEquals(1, calls.size());
        ReceivedCall call = calls.get(0);
        assertEquals("o-1001", call.orderId());
        assertEquals("w-42", call.walletId());
        assertEquals(1250, call.amountCents());
        assertEquals("evt-1", call.requestEventId(), "the request carries the event id");
        assertEquals("evt-1", call.eventId());
        assertEquals(
                "mark-order-paid/wallet/" + ENTRY_ID, call.idempotencyKey(), "the runtime's key: handler/stream/entry");
        assertEquals(harness.idempotencyKey(event), call.idempotencyKey());
        assertEquals(1, call.attempt());
        assertTrue(call.hadDeadline());
        assertTrue(call.applied());
    }

    @Test
    void aRedeliveryIsHarmless() {
        String data = "{\"orderId\":\"o-7\",\"walletId\":\"w-7\",\"amountCents\":700}";
        assertEquals(
                Outcome.Kind.SUCCESS,
                harness.deliver(event("evt-7", 1, "w-7", data)).kind());
        // Returns normally: the order is already paid, and the key is the same on every attempt.
        assertEquals(
                Outcome.Kind.SUCCESS,
                harness.deliver(event("evt-7", 2, "w-7", data)).kind());

        assertEquals(2, orders.calls().size());
        assertEquals(1, orders.appliedCount());
        assertEquals(1, orders.duplicates());
        assertEquals(2, orders.calls().get(1).attempt());
        assertEquals(Set.of("mark-order-paid/wallet/" + ENTRY_ID), orders.distinctKeys());
    }

    @Test
    void theWalletFallsBackToTheSubjectAndUnknownFieldsAreIgnored() {
        assertEquals(
                Outcome.Kind.SUCCESS,
                harness.deliver(event(
                                "evt-2",
                                1,
                                "w-subject",
                                "{\"orderId\":\"o-2\",\"amountCents\":5,\"currency\":\"EUR\"}"))
                        .kind());
        ReceivedCall call = orders.calls().get(0);
        assertEquals("w-subject", call.walletId());
        assertEquals(5, call.amountCents());
    }

    @Test
    void otherTypesOnTheWalletStreamAreSkippedWithoutACall() {
        Outcome outcome = harness.deliver(TestEvents.event("wallet.topup.failed").stream("wallet")
                .data("{}")
                .build());
        assertEquals(Outcome.Kind.SKIPPED, outcome.kind());
        assertEquals(Collections.emptyList(), orders.calls());
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
            NonRetriableEventException e = deadLettered(event("evt-bad", 1, "w-1", data));
            assertTrue(e.getMessage().contains("evt-bad"), what + ": names the event: " + e.getMessage());
            assertFalse(e.getMessage().contains("secret-card-4111"), what + ": no payload: " + e.getMessage());
            assertNull(e.getCause(), what + ": no cause that could quote the payload");
        });
        assertEquals(Collections.emptyList(), orders.calls());
    }

    @Test
    void invalidJsonSaysSo() {
        NonRetriableEventException e = deadLettered(event("evt-3", 1, "w-1", "{oops"));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "wallet.topup.succeeded event evt-3 (entry 1732612345678-0): data is not valid JSON"),
                e.getMessage());
        NonRetriableEventException noOrder = deadLettered(event("evt-4", 1, "w-1", "{\"amountCents\":1}"));
        assertTrue(noOrder.getMessage().endsWith("data has no orderId (a non-blank string)"), noOrder.getMessage());
    }

    @Test
    void grpcFailuresAreRetriedOrDeadLetteredByTheirStatus() {
        String data = "{\"orderId\":\"o-5\",\"walletId\":\"w-5\",\"amountCents\":500}";
        orders.behaviour(Behaviour.FAIL_UNAVAILABLE);
        Outcome unavailable = harness.deliver(event("evt-5", 1, "w-5", data));
        assertEquals(Outcome.Kind.RETRY, unavailable.kind());
        assertEquals(
                Status.Code.UNAVAILABLE,
                assertInstanceOf(StatusRuntimeException.class, unavailable.error())
                        .getStatus()
                        .getCode());

        orders.behaviour(Behaviour.FAIL_INVALID_ARGUMENT);
        Outcome invalid = harness.deliver(event("evt-5", 2, "w-5", data));
        assertEquals(Outcome.Kind.DEAD_LETTER, invalid.kind());
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                assertInstanceOf(StatusRuntimeException.class, invalid.error())
                        .getStatus()
                        .getCode());

        assertEquals(2, orders.calls().size());
        assertEquals(0, orders.appliedCount());
    }

    @Test
    void referenceConfHasTheDefaultsAndOnlyItsKeysAreAccepted() {
        assertFalse(harness.config().getBoolean("log-calls"));
        assertTrue(harness.config(ConfigFactory.parseMap(Map.of("log-calls", true)))
                .config()
                .getBoolean("log-calls"));
        IllegalArgumentException typo = assertThrows(
                IllegalArgumentException.class, () -> harness.config(ConfigFactory.parseMap(Map.of("log-call", true))));
        assertTrue(typo.getMessage().contains("'eventbus.plugins.payments.log-call'"), typo.getMessage());
    }

    @Test
    void theAnnotationProcessorIndexedTheHandler() throws IOException {
        boolean found = false;
        for (URL index : Collections.list(getClass().getClassLoader().getResources("META-INF/extensions.idx"))) {
            try (InputStream in = index.openStream()) {
                found |= new String(in.readAllBytes(), StandardCharsets.UTF_8)
                        .lines()
                        .anyMatch(MarkOrderPaid.class.getName()::equals);
            }
        }
        assertTrue(found, "META-INF/extensions.idx lists " + MarkOrderPaid.class.getName());
    }
}
