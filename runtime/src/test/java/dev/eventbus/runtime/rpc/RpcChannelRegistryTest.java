package dev.eventbus.runtime.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.config.BreakerSettings;
import dev.eventbus.runtime.config.RpcCallCredentials;
import dev.eventbus.runtime.config.RpcServiceSettings;
import dev.eventbus.runtime.config.RpcTls;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class RpcChannelRegistryTest {

    private static RpcServiceSettings plaintext(String name, String target) {
        return new RpcServiceSettings(name, target, Duration.ofSeconds(1), 1024);
    }

    @Test
    void aPlaintextTargetOffThisMachineLogsOneWarningLinePerService() {
        Map<String, RpcServiceSettings> services = new LinkedHashMap<>();
        services.put("a.v1.A", plaintext("a.v1.A", "orders.internal:50051"));
        services.put("b.v1.B", plaintext("b.v1.B", "10.0.0.7:50051"));
        services.put("c.v1.C", plaintext("c.v1.C", "localhost:50051"));
        services.put(
                "d.v1.D",
                new RpcServiceSettings(
                        "d.v1.D",
                        "orders.internal:443",
                        Duration.ofSeconds(1),
                        true,
                        RpcTls.NONE,
                        "",
                        RpcCallCredentials.NONE,
                        1024));
        Logger logger = (Logger) LoggerFactory.getLogger(RpcChannelRegistry.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try (RpcChannelRegistry registry = new RpcChannelRegistry(services)) {
            assertTrue(registry.isConfigured("d.v1.D"));
        } finally {
            logger.detachAppender(logs);
        }
        List<String> warnings = logs.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(
                warnings.get(0).startsWith("grpc service a.v1.A: calls to orders.internal:50051 are plaintext"),
                warnings.get(0));
        assertTrue(
                warnings.get(1).startsWith("grpc service b.v1.B: calls to 10.0.0.7:50051 are plaintext")
                        && warnings.get(1).contains("eventbus.grpc.services.\"b.v1.B\".tls = true"),
                warnings.get(1));
    }

    /** The reason a reader logs when it pauses for a circuit: the status's words, naming the service. */
    @Test
    void aPauseForAnOpenCircuitNamesItsService() {
        Map<String, RpcServiceSettings> services = new LinkedHashMap<>();
        services.put("a.v1.A", plaintext("a.v1.A", "127.0.0.1:1")); // refused: UNAVAILABLE
        services.put("b.v1.B", plaintext("b.v1.B", "127.0.0.1:1"));
        MovableClock clock = new MovableClock(Instant.parse("2026-01-01T00:00:00Z"));
        try (RpcChannelRegistry registry =
                new RpcChannelRegistry(services, new BreakerSettings(1, Duration.ofSeconds(5)), clock, List.of())) {
            assertThrows(
                    StatusRuntimeException.class,
                    () -> HealthGrpc.newBlockingStub(registry.channel("a.v1.A").orElseThrow())
                            .check(HealthCheckRequest.getDefaultInstance()));
            Set<String> calls = Set.of("a.v1.A", "b.v1.B", "c.v1.NotConfigured");
            assertEquals(0, registry.readBudget(calls));
            assertEquals("circuit open for service a.v1.A", registry.pausedBecause(calls));
            clock.advance(Duration.ofSeconds(6)); // half-open now, probing: still the cause named
            assertEquals("circuit open for service a.v1.A", registry.pausedBecause(calls));
            assertEquals(
                    "a pause that has ended since (reading again)",
                    registry.pausedBecause(Set.of("b.v1.B")),
                    "no circuit of these open: the reason is not made up");
        }
    }

    @Test
    void aSidecarOnThisMachineGetsTheTokenAndHeadersOverPlaintext() throws Exception {
        List<Metadata> received = new CopyOnWriteArrayList<>();
        ServerInterceptor record = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                received.add(headers);
                return next.startCall(call, headers);
            }
        };
        Server sidecar = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), record))
                .build()
                .start();
        String service = "grpc.health.v1.Health";
        RpcServiceSettings settings = new RpcServiceSettings(
                service,
                "127.0.0.1:" + sidecar.getPort(),
                Duration.ofSeconds(5),
                false,
                RpcTls.NONE,
                "",
                new RpcCallCredentials("t0k", Map.of("x-api-key", "k1")),
                1024);
        try (RpcChannelRegistry registry = new RpcChannelRegistry(Map.of(service, settings))) {
            HealthGrpc.newBlockingStub(registry.channel(service).orElseThrow())
                    .check(HealthCheckRequest.getDefaultInstance());
        } finally {
            sidecar.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        assertEquals(1, received.size());
        assertEquals(
                "Bearer t0k", received.get(0).get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER)));
        assertEquals("k1", received.get(0).get(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER)));
    }
}
