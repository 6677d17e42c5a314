package dev.eventbus.runtime.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An open circuit keeps calls away from the service: entries already read must not reach it. */
class BreakerInterceptorTest {

    private final AtomicInteger received = new AtomicInteger();
    private final MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final CircuitBreaker breaker = new CircuitBreaker("grpc.health.v1.Health", 1, Duration.ofSeconds(5), clock);
    private final Server server;
    private final ManagedChannel channel;
    private final Channel guarded;

    BreakerInterceptorTest() throws Exception {
        String name = InProcessServerBuilder.generateName();
        ServerInterceptor counting = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, io.grpc.Metadata headers, ServerCallHandler<Q, R> next) {
                received.incrementAndGet();
                return next.startCall(call, headers);
            }
        };
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), counting))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        guarded = ClientInterceptors.intercept(channel, new BreakerInterceptor(breaker));
    }

    @AfterEach
    void close() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private void call() {
        HealthGrpc.newBlockingStub(guarded).check(HealthCheckRequest.getDefaultInstance());
    }

    @Test
    void openCircuitFailsCallsWithoutSendingThemAndHalfOpenLetsThemThrough() {
        call();
        assertEquals(1, received.get());

        breaker.recordUnavailable("UNAVAILABLE"); // threshold 1: open for 5 s
        for (int i = 0; i < 10; i++) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::call);
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(
                    e.getStatus().getDescription().contains("circuit open"),
                    e.getStatus().toString());
        }
        assertEquals(1, received.get(), "no call reached the service while the circuit was open");
        assertEquals(0, breaker.readBudget(), "rejected calls did not move the circuit");

        clock.advance(Duration.ofSeconds(6)); // half-open: the probe goes through and closes it
        call();
        assertEquals(2, received.get());
        assertEquals(Integer.MAX_VALUE, breaker.readBudget());
    }
}
