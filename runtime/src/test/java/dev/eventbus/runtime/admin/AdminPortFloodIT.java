package dev.eventbus.runtime.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin ports under a flood of real connections that open and say (almost) nothing: health
 * keeps answering while it goes on, and the server closes every silent connection by itself, so the
 * flood never holds more than the cap. With the defaults of {@code reference.conf}.
 */
class AdminPortFloodIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PARTIAL_HTTP = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    /** The first bytes of the HTTP/2 connection preface, never finished. */
    private static final String PARTIAL_PREFACE = "PRI * HTTP/2.0\r\n";

    @TempDir
    Path dir;

    private OpsHarness harness;
    private final List<Socket> flood = new ArrayList<>();
    private final List<ManagedChannel> clients = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : flood) {
            s.close();
        }
        clients.forEach(ManagedChannel::shutdownNow);
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void healthAnswersThroughAFloodOfHalfOpenHttpConnectionsAndEachIsClosedByTheServer() throws Exception {
        REDIS.command("FLUSHALL");
        harness = OpsHarness.create(dir, REDIS.uri(), Map.of());
        harness.start();
        int port = harness.operations().httpPort();
        int cap = harness.config().operations().admin().limits().httpMaxConnections();

        for (int i = 0; i < 300; i++) {
            flood.add(halfOpen(port, PARTIAL_HTTP));
        }
        // While the flood sockets are open and keep trying, health answers: each probe pushes out
        // the oldest silent connection.
        for (int i = 0; i < 20; i++) {
            assertEquals(200, harness.get("/health/live", null).statusCode());
            assertEquals(200, harness.get("/health/ready", null).statusCode());
            flood.add(halfOpen(port, PARTIAL_HTTP));
        }
        assertTrue(
                harness.operations().httpConnections() <= cap,
                "never more open than the cap: " + harness.operations().httpConnections());

        // A client that trickles its headers a byte at a time gets no more than the request timeout.
        Socket trickle = halfOpen(port, "GET /metrics HTTP/1.1\r\n");
        flood.add(trickle);
        OpsHarness.await("the trickling connection closed by the server", WAIT, () -> {
            try {
                trickle.getOutputStream().write('X');
                trickle.getOutputStream().flush();
                return closedByServer(trickle);
            } catch (IOException e) {
                return true; // written to a connection the server closed: reset
            }
        });

        OpsHarness.await(
                "every flood connection closed by the server",
                WAIT,
                () -> flood.stream().allMatch(AdminPortFloodIT::closedByServer));
        OpsHarness.await(
                "no connection left open on the server",
                WAIT,
                () -> harness.operations().httpConnections() == 0);
        assertEquals(200, harness.get("/health/ready", null).statusCode());
    }

    @Test
    void grpcHealthAnswersWhileSilentConnectionsAreClosedAfterTheHandshakeTimeout() throws Exception {
        REDIS.command("FLUSHALL");
        harness = OpsHarness.create(dir, REDIS.uri(), Map.of());
        harness.start();
        int port = harness.operations().grpcPort();
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
        try {
            // gRPC health follows readiness within its refresh (a second): serving before the flood.
            OpsHarness.await("gRPC health SERVING", WAIT, () -> health(channel) == ServingStatus.SERVING);
            for (int i = 0; i < 200; i++) {
                flood.add(halfOpen(port, PARTIAL_PREFACE));
            }
            for (int i = 0; i < 10; i++) {
                ManagedChannel fresh = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                        .usePlaintext()
                        .build();
                try {
                    assertEquals(ServingStatus.SERVING, health(fresh), "a new connection is answered during the flood");
                } finally {
                    fresh.shutdownNow();
                }
                assertEquals(ServingStatus.SERVING, health(channel));
            }
        } finally {
            channel.shutdownNow();
        }
        OpsHarness.await(
                "every silent gRPC connection closed by the server",
                WAIT,
                () -> flood.stream().allMatch(AdminPortFloodIT::closedByServer));
    }

    @Test
    void grpcPortHoldsNoMoreThanItsCapOfHandshakedConnectionsAndHealthGetsIn() throws Exception {
        REDIS.command("FLUSHALL");
        int cap = 8;
        harness = OpsHarness.create(dir, REDIS.uri(), Map.of("eventbus.admin.grpc-max-connections", cap));
        harness.start();
        int port = harness.operations().grpcPort();
        // gRPC health follows readiness within its refresh (a second): serving before the flood.
        ManagedChannel first = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
        OpsHarness.await("gRPC health SERVING", WAIT, () -> health(first) == ServingStatus.SERVING);
        first.shutdownNow();
        OpsHarness.await("no connection open", WAIT, () -> harness.operations().grpcConnections() == 0);

        // Handshaked and idle: each client completed a call (TLS is not needed to show it; the
        // handshake a flood pays is HTTP/2's). Each newcomer pushes out the oldest idle connection.
        int flooders = 4 * cap;
        for (int i = 0; i < flooders; i++) {
            ManagedChannel c = client(port);
            assertEquals(ServingStatus.SERVING, health(c), "client " + i + " is answered");
            assertTrue(
                    harness.operations().grpcConnections() <= cap,
                    "never more open than the cap: " + harness.operations().grpcConnections());
        }
        assertEquals(cap, harness.operations().grpcConnections(), "the server holds the cap");
        // The server closed the extra ones: the oldest clients' connections are gone, the newest remain.
        OpsHarness.await(
                "the oldest flood clients disconnected by the server",
                WAIT,
                () -> clients.subList(0, flooders - cap).stream()
                        .noneMatch(c -> c.getState(false) == ConnectivityState.READY));
        assertTrue(
                clients.subList(flooders - cap, flooders).stream()
                        .allMatch(c -> c.getState(false) == ConnectivityState.READY),
                "the newest connections stay open");

        // Health answers over both ports while the flood holds the cap: a probe on a new
        // connection (as grpc_health_probe and Kubernetes do) gets in.
        for (int i = 0; i < 5; i++) {
            ManagedChannel probe = client(port);
            assertEquals(ServingStatus.SERVING, health(probe), "a probe is answered during the flood");
            assertEquals(200, harness.get("/health/live", null).statusCode());
            assertEquals(cap, harness.operations().grpcConnections());
        }

        // Health watches (no token needed, and they last as long as the client likes) do not keep
        // a connection from being pushed out: a probe still gets in, closing the oldest watcher.
        List<Watch> watchers = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            watchers.add(watch(client(port)));
        }
        OpsHarness.await("every watch answered", WAIT, () -> watchers.stream().allMatch(w -> w.answered.get()));
        assertEquals(cap, harness.operations().grpcConnections());
        assertEquals(ServingStatus.SERVING, health(client(port)), "a probe gets in past the watchers");
        OpsHarness.await("a watcher pushed out", WAIT, () -> watchers.stream().anyMatch(w -> w.ended.get()));
        assertEquals(cap, harness.operations().grpcConnections());

        // Every connection with a call past the token check in progress (a reflection stream left
        // open): a newcomer is refused, closed before it could say anything, and not counted.
        clients.forEach(ManagedChannel::shutdownNow);
        OpsHarness.await("the watchers gone", WAIT, () -> harness.operations().grpcConnections() == 0);
        List<AtomicBoolean> busy = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            busy.add(reflectionLeftOpen(client(port)));
        }
        OpsHarness.await(
                "every reflection stream answered", WAIT, () -> busy.stream().allMatch(AtomicBoolean::get));
        assertEquals(cap, harness.operations().grpcConnections());
        for (int i = 0; i < 3; i++) {
            ManagedChannel refused = client(port);
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> health(refused));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
            assertEquals(cap, harness.operations().grpcConnections(), "the refused connection is not counted");
        }
        assertEquals(200, harness.get("/health/ready", null).statusCode(), "HTTP health answers meanwhile");

        // The flood leaves: every slot is freed, and new clients connect.
        clients.forEach(ManagedChannel::shutdownNow);
        OpsHarness.await(
                "every connection closed on the server",
                WAIT,
                () -> harness.operations().grpcConnections() == 0);
        for (int i = 0; i < cap; i++) {
            assertEquals(ServingStatus.SERVING, health(client(port)), "a new client after the flood");
        }
        assertEquals(cap, harness.operations().grpcConnections());
    }

    private ManagedChannel client(int port) {
        ManagedChannel c = ManagedChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .build();
        clients.add(c);
        return c;
    }

    /** A health watch: whether it was answered, and whether it ended (the connection was closed). */
    private record Watch(AtomicBoolean answered, AtomicBoolean ended) {}

    private static Watch watch(ManagedChannel channel) {
        Watch w = new Watch(new AtomicBoolean(), new AtomicBoolean());
        HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(HealthCheckResponse value) {
                w.answered.set(true);
            }

            @Override
            public void onError(Throwable t) {
                w.ended.set(true);
            }

            @Override
            public void onCompleted() {
                w.ended.set(true);
            }
        });
        return w;
    }

    /** A reflection stream, answered once and never finished; the flag turns true at the answer. */
    private static AtomicBoolean reflectionLeftOpen(ManagedChannel channel) {
        AtomicBoolean answered = new AtomicBoolean();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answered.set(true);
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        return answered;
    }

    private static ServingStatus health(ManagedChannel channel) {
        return HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
    }

    /** A connection that sent the start of a request and nothing more. */
    private static Socket halfOpen(int port, String partial) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(1);
        s.getOutputStream().write(partial.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    /** Whether the server closed (or reset) the connection; never blocks for long. */
    private static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            while (true) {
                if (in.read() == -1) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
