package dev.eventbus.samples.orders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.samples.orders.OrderServer.Behaviour;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OrderServerTest {

    private OrderServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() {
        server = OrderServer.start(0);
        channel = NettyChannelBuilder.forTarget(server.target()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    /** Attaches the metadata the Eventbus runtime attaches to every call. */
    private static ClientInterceptor eventbusMetadata(String key, String eventId, int attempt) {
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(
                    MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<A> listener, Metadata headers) {
                        headers.put(OrderServer.IDEMPOTENCY_KEY, key);
                        headers.put(OrderServer.EVENT_ID, eventId);
                        headers.put(OrderServer.ATTEMPT, Integer.toString(attempt));
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    private boolean markPaid(String key, String eventId, int attempt, String orderId, Duration deadline) {
        var stub = OrderServiceGrpc.newBlockingStub(
                ClientInterceptors.intercept(channel, eventbusMetadata(key, eventId, attempt)));
        if (deadline != null) {
            stub = stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        }
        return stub.markPaid(request(orderId, eventId)).getApplied();
    }

    private static MarkPaidRequest request(String orderId, String eventId) {
        return MarkPaidRequest.newBuilder()
                .setOrderId(orderId)
                .setWalletId("w-42")
                .setAmountCents(1250)
                .setEventId(eventId)
                .build();
    }

    @Test
    void bindsLoopbackOnAFreePort() {
        assertTrue(server.port() > 0);
        assertEquals("127.0.0.1:" + server.port(), server.target());
        assertTrue(server.isRunning());
    }

    @Test
    void recordsMetadataAndDedupesOnIdempotencyKey() {
        Instant before = Instant.now();
        List<ReceivedCall> seen = new CopyOnWriteArrayList<>();
        server.onCall(seen::add);

        assertTrue(markPaid("g:mark-order-paid:e-1", "e-1", 1, "o-1", Duration.ofSeconds(5)));
        // The same event redelivered: same key, next attempt. Nothing changes.
        assertFalse(markPaid("g:mark-order-paid:e-1", "e-1", 2, "o-1", Duration.ofSeconds(5)));
        assertTrue(markPaid("g:mark-order-paid:e-2", "e-2", 1, "o-2", Duration.ofSeconds(5)));

        List<ReceivedCall> calls = server.calls();
        assertEquals(3, calls.size());
        ReceivedCall first = calls.get(0);
        assertEquals("o-1", first.orderId());
        assertEquals("w-42", first.walletId());
        assertEquals(1250, first.amountCents());
        assertEquals("e-1", first.eventId());
        assertEquals("e-1", first.requestEventId());
        assertEquals("g:mark-order-paid:e-1", first.idempotencyKey());
        assertEquals(1, first.attempt());
        assertTrue(first.hadDeadline());
        assertTrue(first.applied());
        assertFalse(first.receivedAt().isBefore(before));
        assertEquals(Behaviour.OK, first.behaviour());

        ReceivedCall second = calls.get(1);
        assertEquals(2, second.attempt());
        assertFalse(second.applied());
        assertTrue(second.duplicate());

        assertEquals(3, seen.size(), "the listener sees every call");
        assertEquals(seen, calls);
        assertEquals(2, server.appliedCount());
        assertEquals(1, server.duplicates());
        assertEquals(Set.of("g:mark-order-paid:e-1", "g:mark-order-paid:e-2"), server.distinctKeys());
        assertEquals(List.of("o-1", "o-2"), server.paidOrders());
    }

    @Test
    void aCallWithoutDeadlineOrMetadataIsRecordedAsSuch() {
        var stub = OrderServiceGrpc.newBlockingStub(channel);
        assertTrue(stub.markPaid(request("o-9", "")).getApplied());
        assertTrue(stub.markPaid(request("o-9", "")).getApplied(), "no key: nothing to dedupe on");

        ReceivedCall call = server.calls().get(0);
        assertFalse(call.hadDeadline());
        assertNull(call.idempotencyKey());
        assertNull(call.eventId());
        assertEquals(0, call.attempt());
        assertTrue(server.distinctKeys().isEmpty());
        assertEquals(0, server.duplicates());
    }

    @Test
    void injectedFailuresAreRecordedAndApplyNothing() {
        server.behaviour(Behaviour.FAIL_UNAVAILABLE);
        StatusRuntimeException unavailable = assertThrows(
                StatusRuntimeException.class, () -> markPaid("k-1", "e-1", 1, "o-1", Duration.ofSeconds(5)));
        assertEquals(Status.Code.UNAVAILABLE, unavailable.getStatus().getCode());

        server.behaviour(Behaviour.FAIL_INVALID_ARGUMENT);
        StatusRuntimeException invalid = assertThrows(
                StatusRuntimeException.class, () -> markPaid("k-1", "e-1", 2, "o-1", Duration.ofSeconds(5)));
        assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());

        server.behaviour(Behaviour.OK);
        assertTrue(markPaid("k-1", "e-1", 3, "o-1", Duration.ofSeconds(5)), "failed calls did not use up the key");

        List<ReceivedCall> calls = server.calls();
        assertEquals(
                List.of(Behaviour.FAIL_UNAVAILABLE, Behaviour.FAIL_INVALID_ARGUMENT, Behaviour.OK),
                calls.stream().map(ReceivedCall::behaviour).toList());
        assertEquals(
                List.of(false, false, true),
                calls.stream().map(ReceivedCall::applied).toList());
        assertEquals(1, server.appliedCount());
        assertEquals(0, server.duplicates());
        assertEquals(Set.of("k-1"), server.distinctKeys());
    }

    @Test
    void slowCallsOutliveTheCallersDeadlineAndStillApply() throws InterruptedException {
        server.behaviour(Behaviour.SLOW).slowFor(Duration.ofMillis(600));
        StatusRuntimeException late = assertThrows(
                StatusRuntimeException.class, () -> markPaid("k-slow", "e-1", 1, "o-1", Duration.ofMillis(100)));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, late.getStatus().getCode());

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.calls().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, server.calls().size());
        assertTrue(server.calls().get(0).applied(), "the work was done; only the answer was lost");

        server.behaviour(Behaviour.OK);
        assertFalse(markPaid("k-slow", "e-1", 2, "o-1", Duration.ofSeconds(5)), "the retry is a duplicate");
        assertEquals(1, server.duplicates());
        assertEquals(1, server.appliedCount());
    }

    @Test
    void restartKeepsPortAndRecords() {
        assertTrue(markPaid("k-1", "e-1", 1, "o-1", Duration.ofSeconds(5)));
        int port = server.port();
        server.stop();
        assertFalse(server.isRunning());
        StatusRuntimeException down = assertThrows(
                StatusRuntimeException.class, () -> markPaid("k-1", "e-1", 2, "o-1", Duration.ofSeconds(2)));
        assertEquals(Status.Code.UNAVAILABLE, down.getStatus().getCode());

        server.restart();
        assertEquals(port, server.port());
        // The old channel is backing off after "connection refused"; a client that reconnects sees the server again.
        channel.shutdownNow();
        channel = NettyChannelBuilder.forTarget(server.target()).usePlaintext().build();
        assertFalse(markPaid("k-1", "e-1", 3, "o-1", Duration.ofSeconds(5)), "the applied key survived the restart");
        assertEquals(2, server.calls().size());

        server.reset();
        assertTrue(server.calls().isEmpty());
        assertEquals(0, server.appliedCount());
    }
}
