package dev.eventbus.testkit;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A fake of any gRPC service, built from its generated descriptor: it answers each unary call as
 * scripted and records the request and its metadata (idempotency key, attempt, traceparent).
 *
 * <pre>{@code
 * RecordingGrpcService orders = RecordingGrpcService.of(OrderServiceGrpc.getServiceDescriptor());
 * orders.on(OrderServiceGrpc.getMarkPaidMethod())
 *         .fail(Status.UNAVAILABLE)                                    // the first call
 *         .reply(MarkPaidReply.newBuilder().setApplied(true).build()); // the second and every later one
 * ...
 * RecordedCall<MarkPaidRequest> call = orders.calls(OrderServiceGrpc.getMarkPaidMethod()).get(1);
 * assertEquals("mark-order-paid/wallet/" + entryId, call.idempotencyKey());
 * }</pre>
 *
 * <p>A method without a script answers its response type's default (empty) message. Streaming
 * methods answer UNIMPLEMENTED. Serve it with {@link InProcessGrpc#start} or give it to the
 * runtime extension ({@code EventbusExtension.service}).
 *
 * <p>Thread-safe: the runtime calls it concurrently. Script before the calls you script for.
 */
public final class RecordingGrpcService implements BindableService {

    private final ServiceDescriptor descriptor;
    private final Map<String, Script<?, ?>> scripts = new ConcurrentHashMap<>();
    private final List<RecordedCall<?>> calls = new CopyOnWriteArrayList<>();

    private RecordingGrpcService(ServiceDescriptor descriptor) {
        this.descriptor = descriptor;
    }

    /**
     * @param service the generated descriptor, for example {@code OrderServiceGrpc.getServiceDescriptor()}
     * @return a fake that answers every unary method with its default reply until scripted
     */
    public static RecordingGrpcService of(ServiceDescriptor service) {
        return new RecordingGrpcService(Objects.requireNonNull(service, "service"));
    }

    /** @return the fully qualified service name, as a handler declares it in {@code calls(...)} */
    public String name() {
        return descriptor.getName();
    }

    /**
     * Starts a new script for a method, replacing any earlier one.
     *
     * @param method the generated method descriptor, for example {@code OrderServiceGrpc.getMarkPaidMethod()}
     * @return the script, to fill with {@link Script#reply} and {@link Script#fail}
     * @throws IllegalArgumentException when the method is not a unary method of this service
     */
    public <Q, A> Script<Q, A> on(MethodDescriptor<Q, A> method) {
        if (descriptor.getMethods().stream()
                        .noneMatch(m -> m.getFullMethodName().equals(method.getFullMethodName()))
                || method.getType() != MethodDescriptor.MethodType.UNARY) {
            throw new IllegalArgumentException(method.getFullMethodName() + " is not a unary method of " + name());
        }
        Script<Q, A> script = new Script<>();
        scripts.put(method.getFullMethodName(), script);
        return script;
    }

    /**
     * @param method a method of this service
     * @return the calls it received, oldest first
     */
    @SuppressWarnings("unchecked")
    public <Q> List<RecordedCall<Q>> calls(MethodDescriptor<Q, ?> method) {
        List<RecordedCall<Q>> of = new ArrayList<>();
        for (RecordedCall<?> call : calls) {
            if (call.method().equals(method.getFullMethodName())) {
                of.add((RecordedCall<Q>) call);
            }
        }
        return of;
    }

    /** @return every call received, of any method, oldest first */
    public List<RecordedCall<?>> calls() {
        return List.copyOf(calls);
    }

    /** Forgets the calls received; the scripts stay. */
    public void clearCalls() {
        calls.clear();
    }

    @Override
    public ServerServiceDefinition bindService() {
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor);
        for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
            bind(builder, method);
        }
        return builder.build();
    }

    private <Q, A> void bind(ServerServiceDefinition.Builder builder, MethodDescriptor<Q, A> method) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
            builder.addMethod(method, ServerCalls.asyncBidiStreamingCall(reply -> {
                reply.onError(Status.UNIMPLEMENTED
                        .withDescription("RecordingGrpcService fakes unary methods only")
                        .asRuntimeException());
                return new StreamObserver<Q>() {
                    @Override
                    public void onNext(Q value) {}

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {}
                };
            }));
            return;
        }
        builder.addMethod(method, new ServerCallHandler<Q, A>() {
            @Override
            public ServerCall.Listener<Q> startCall(ServerCall<Q, A> call, Metadata headers) {
                Metadata copy = new Metadata();
                copy.merge(headers);
                return ServerCalls.<Q, A>asyncUnaryCall((request, reply) -> answer(method, request, copy, reply))
                        .startCall(call, headers);
            }
        });
    }

    @SuppressWarnings("unchecked")
    private <Q, A> void answer(MethodDescriptor<Q, A> method, Q request, Metadata headers, StreamObserver<A> reply) {
        Deadline deadline = Context.current().getDeadline();
        calls.add(new RecordedCall<>(
                method.getFullMethodName(),
                request,
                headers,
                deadline == null ? null : Duration.ofNanos(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS)))));
        Script<Q, A> script = (Script<Q, A>) scripts.get(method.getFullMethodName());
        Function<Q, A> step = script == null ? null : script.next();
        if (step == null) {
            if (!(method.getResponseMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<A> prototype)) {
                reply.onError(Status.UNIMPLEMENTED
                        .withDescription("no reply scripted for " + method.getFullMethodName())
                        .asRuntimeException());
                return;
            }
            step = q -> prototype.getMessagePrototype();
        }
        A answer;
        try {
            answer = step.apply(request);
        } catch (Failure f) {
            reply.onError(f.status.asRuntimeException());
            return;
        }
        reply.onNext(answer);
        reply.onCompleted();
    }

    /**
     * The answers of one method, used one per call in order; the last one answers every later call.
     * Thread-safe.
     *
     * @param <Q> the request type
     * @param <A> the reply type
     */
    public static final class Script<Q, A> {

        private final List<Function<Q, A>> steps = new CopyOnWriteArrayList<>();
        private int used;

        private Script() {}

        /**
         * @param reply the reply of the next call
         * @return this script
         */
        public Script<Q, A> reply(A reply) {
            Objects.requireNonNull(reply, "reply");
            return reply(request -> reply);
        }

        /**
         * @param reply computes the reply of the next call from its request
         * @return this script
         */
        public Script<Q, A> reply(Function<Q, A> reply) {
            steps.add(Objects.requireNonNull(reply, "reply"));
            return this;
        }

        /**
         * @param status the status the next call fails with, for example {@code Status.UNAVAILABLE}
         * @return this script
         */
        public Script<Q, A> fail(Status status) {
            Objects.requireNonNull(status, "status");
            steps.add(request -> {
                throw new Failure(status);
            });
            return this;
        }

        private synchronized Function<Q, A> next() {
            if (steps.isEmpty()) {
                return null;
            }
            Function<Q, A> step = steps.get(Math.min(used, steps.size() - 1));
            used++;
            return step;
        }
    }

    /** A scripted failure, carried out of the step that threw it. */
    private static final class Failure extends RuntimeException {
        private final transient Status status;

        Failure(Status status) {
            super(null, null, false, false);
            this.status = status;
        }
    }
}
