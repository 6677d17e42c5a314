package dev.eventbus.samples.orders;

import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The sample order service: a real gRPC server (Netty, plaintext, bound to 127.0.0.1) that
 * implements {@code orders.v1.OrderService/MarkPaid}, records every call it receives with the
 * Eventbus metadata that came with it, and applies each idempotency key at most once.
 *
 * <p>It doubles as the test oracle for end-to-end and fault tests: {@link #calls()} is every call
 * in arrival order, whatever its outcome; {@link #behaviour(Behaviour)} injects failures or
 * slowness for real, on the wire. Thread-safe.
 *
 * <pre>{@code
 * try (OrderServer orders = OrderServer.start(0)) {
 *     // configure the runtime with target orders.target(), publish, then:
 *     assertEquals(1, orders.appliedCount());
 * }
 * }</pre>
 */
public final class OrderServer implements AutoCloseable {

    /** Metadata key the runtime attaches: the same for every delivery of one event to one handler. */
    public static final Metadata.Key<String> IDEMPOTENCY_KEY =
            Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);
    /** Metadata key the runtime attaches: the event id. */
    public static final Metadata.Key<String> EVENT_ID =
            Metadata.Key.of("eventbus-event-id", Metadata.ASCII_STRING_MARSHALLER);
    /** Metadata key the runtime attaches: the delivery attempt, starting at 1. */
    public static final Metadata.Key<String> ATTEMPT =
            Metadata.Key.of("eventbus-attempt", Metadata.ASCII_STRING_MARSHALLER);

    /** How the server answers MarkPaid; every mode records the call. */
    public enum Behaviour {
        /** Apply (once per idempotency key) and answer. */
        OK,
        /** Answer {@code UNAVAILABLE} without applying: a retryable failure. */
        FAIL_UNAVAILABLE,
        /** Answer {@code INVALID_ARGUMENT} without applying: a permanent failure. */
        FAIL_INVALID_ARGUMENT,
        /**
         * Sleep {@link #slowFor(Duration)}, then apply and answer as {@link #OK}, even when the
         * caller's deadline has passed meanwhile (as a real service would: the work is done, only
         * the answer is lost, and the retry is a duplicate).
         */
        SLOW
    }

    /**
     * One MarkPaid call as received.
     *
     * @param orderId the request's order id
     * @param walletId the request's wallet id
     * @param amountCents the request's amount
     * @param eventId the {@code eventbus-event-id} metadata entry, or {@code null} when absent (the
     *     request's own {@code event_id} field is {@code requestEventId})
     * @param idempotencyKey the {@code idempotency-key} metadata entry, or {@code null} when absent
     * @param attempt the {@code eventbus-attempt} metadata entry; 0 when absent or not a number
     * @param hadDeadline whether the call carried a deadline
     * @param receivedAt when the call arrived
     * @param requestEventId the request's own {@code event_id} field (empty when unset)
     * @param behaviour the behaviour the server answered with
     * @param applied whether this call changed anything (false for a repeated key and for failures)
     */
    public record ReceivedCall(
            String orderId,
            String walletId,
            long amountCents,
            String eventId,
            String idempotencyKey,
            int attempt,
            boolean hadDeadline,
            Instant receivedAt,
            String requestEventId,
            Behaviour behaviour,
            boolean applied) {

        /** @return whether the call's key had been applied before (an OK or SLOW call that changed nothing) */
        public boolean duplicate() {
            return !applied && (behaviour == Behaviour.OK || behaviour == Behaviour.SLOW);
        }
    }

    private record CallMetadata(String idempotencyKey, String eventId, int attempt, boolean hadDeadline) {}

    private static final InetAddress LOOPBACK;

    static {
        try {
            LOOPBACK = InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Context.Key<CallMetadata> METADATA = Context.key("eventbus-call-metadata");

    private final ConcurrentLinkedQueue<ReceivedCall> calls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger applied = new AtomicInteger();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final Set<String> appliedKeys = ConcurrentHashMap.newKeySet();
    private final List<Consumer<ReceivedCall>> listeners = new CopyOnWriteArrayList<>();
    private volatile Behaviour behaviour = Behaviour.OK;
    private volatile Duration slowFor = Duration.ofSeconds(2);
    private volatile int port;
    private volatile Server server;
    private volatile ExecutorService executor;

    private OrderServer() {}

    /**
     * Starts a server on 127.0.0.1.
     *
     * @param port the port, or 0 for a free one
     * @return the running server
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static OrderServer start(int port) {
        OrderServer orders = new OrderServer();
        orders.bind(port);
        return orders;
    }

    private synchronized void bind(int requestedPort) {
        if (server != null) {
            throw new IllegalStateException("order-service already running on " + target());
        }
        ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress(LOOPBACK, requestedPort))
                .executor(exec)
                .addService(ServerInterceptors.intercept(new Service(), new MetadataInterceptor()))
                .build();
        try {
            s.start();
        } catch (IOException e) {
            exec.shutdownNow();
            throw new UncheckedIOException("order-service cannot listen on 127.0.0.1:" + requestedPort, e);
        }
        this.executor = exec;
        this.server = s;
        this.port = s.getPort();
    }

    /** @return the bound port */
    public int port() {
        return port;
    }

    /** @return the gRPC target, {@code 127.0.0.1:<port>} */
    public String target() {
        return "127.0.0.1:" + port;
    }

    /** @return whether the server is listening */
    public boolean isRunning() {
        Server s = server;
        return s != null && !s.isShutdown();
    }

    /** @return every call received so far, in the order they were recorded (a snapshot) */
    public List<ReceivedCall> calls() {
        return List.copyOf(calls);
    }

    /** @return the distinct idempotency keys of all calls received, whatever their outcome */
    public Set<String> distinctKeys() {
        Set<String> keys = new LinkedHashSet<>();
        for (ReceivedCall call : calls) {
            if (call.idempotencyKey() != null) {
                keys.add(call.idempotencyKey());
            }
        }
        return keys;
    }

    /** @return the order ids of the calls that were applied, in order (an order paid twice under two keys appears twice) */
    public List<String> paidOrders() {
        List<String> orders = new ArrayList<>();
        for (ReceivedCall call : calls) {
            if (call.applied()) {
                orders.add(call.orderId());
            }
        }
        return orders;
    }

    /** @return how many calls changed something */
    public int appliedCount() {
        return applied.get();
    }

    /** @return how many OK or SLOW calls repeated a key that had already been applied */
    public int duplicates() {
        return duplicates.get();
    }

    /**
     * Switches how the next calls are answered.
     *
     * @param behaviour the new behaviour
     * @return this server
     */
    public OrderServer behaviour(Behaviour behaviour) {
        this.behaviour = Objects.requireNonNull(behaviour, "behaviour");
        return this;
    }

    /** @return the current behaviour */
    public Behaviour behaviour() {
        return behaviour;
    }

    /**
     * Sets how long a call sleeps under {@link Behaviour#SLOW} (default 2 s).
     *
     * @param delay the delay
     * @return this server
     */
    public OrderServer slowFor(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("slowFor must not be negative: " + delay);
        }
        this.slowFor = delay;
        return this;
    }

    /**
     * Adds a listener called on the serving thread after each call is recorded (before the
     * answer is sent). A listener that throws is ignored.
     *
     * @param listener the listener
     * @return this server
     */
    public OrderServer onCall(Consumer<ReceivedCall> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /** Forgets every recorded call and applied key; the behaviour is kept. */
    public void reset() {
        calls.clear();
        appliedKeys.clear();
        applied.set(0);
        duplicates.set(0);
    }

    /**
     * Stops listening (calls in flight get up to 2 s to finish, then are cancelled). The recorded
     * calls and applied keys are kept, so that {@link #restart()} continues the same service.
     */
    public synchronized void stop() {
        Server s = server;
        ExecutorService exec = executor;
        server = null;
        executor = null;
        if (s == null) {
            return;
        }
        s.shutdown();
        try {
            if (!s.awaitTermination(2, TimeUnit.SECONDS)) {
                s.shutdownNow();
                s.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            s.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            exec.shutdownNow();
        }
    }

    /**
     * Listens again on the same port after {@link #stop()}, with the same records: the service
     * "comes back" for fault tests.
     *
     * @return this server
     * @throws UncheckedIOException when the port was taken meanwhile
     */
    public OrderServer restart() {
        bind(port);
        return this;
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "OrderServer[" + target() + ", behaviour=" + behaviour + ", calls=" + calls.size() + "]";
    }

    /** Copies the Eventbus metadata and the deadline's presence into the call's Context. */
    private static final class MetadataInterceptor implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            CallMetadata meta = new CallMetadata(
                    headers.get(IDEMPOTENCY_KEY),
                    headers.get(EVENT_ID),
                    parseAttempt(headers.get(ATTEMPT)),
                    Context.current().getDeadline() != null);
            return Contexts.interceptCall(Context.current().withValue(METADATA, meta), call, headers, next);
        }

        private static int parseAttempt(String value) {
            if (value == null) {
                return 0;
            }
            try {
                return Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private final class Service extends OrderServiceGrpc.OrderServiceImplBase {
        @Override
        public void markPaid(MarkPaidRequest request, StreamObserver<MarkPaidReply> replies) {
            Instant receivedAt = Instant.now();
            CallMetadata meta = METADATA.get();
            if (meta == null) {
                meta = new CallMetadata(null, null, 0, Context.current().getDeadline() != null);
            }
            Behaviour mode = behaviour;
            if (mode == Behaviour.SLOW) {
                try {
                    Thread.sleep(slowFor);
                } catch (InterruptedException e) {
                    // Shutting down: record what arrived, as answered (UNAVAILABLE), and apply nothing.
                    record(request, meta, receivedAt, Behaviour.FAIL_UNAVAILABLE, false);
                    replies.onError(Status.UNAVAILABLE
                            .withDescription("order-service stopping")
                            .asRuntimeException());
                    return;
                }
            }
            switch (mode) {
                case FAIL_UNAVAILABLE -> {
                    record(request, meta, receivedAt, mode, false);
                    replies.onError(Status.UNAVAILABLE
                            .withDescription("order-service unavailable (injected)")
                            .asRuntimeException());
                }
                case FAIL_INVALID_ARGUMENT -> {
                    record(request, meta, receivedAt, mode, false);
                    replies.onError(Status.INVALID_ARGUMENT
                            .withDescription("order-service rejects order " + request.getOrderId() + " (injected)")
                            .asRuntimeException());
                }
                case OK, SLOW -> {
                    // No key: nothing to dedupe on, so every such call applies.
                    boolean applied = meta.idempotencyKey() == null || appliedKeys.add(meta.idempotencyKey());
                    record(request, meta, receivedAt, mode, applied);
                    replies.onNext(
                            MarkPaidReply.newBuilder().setApplied(applied).build());
                    replies.onCompleted();
                }
            }
        }

        private void record(
                MarkPaidRequest request, CallMetadata meta, Instant receivedAt, Behaviour mode, boolean applied) {
            ReceivedCall call = new ReceivedCall(
                    request.getOrderId(),
                    request.getWalletId(),
                    request.getAmountCents(),
                    meta.eventId(),
                    meta.idempotencyKey(),
                    meta.attempt(),
                    meta.hadDeadline(),
                    receivedAt,
                    request.getEventId(),
                    mode,
                    applied);
            calls.add(call);
            if (call.applied()) {
                OrderServer.this.applied.incrementAndGet();
            } else if (call.duplicate()) {
                duplicates.incrementAndGet();
            }
            for (Consumer<ReceivedCall> listener : listeners) {
                try {
                    listener.accept(call);
                } catch (RuntimeException ignored) {
                    // A listener is an observer; it never changes the answer.
                }
            }
        }
    }
}
