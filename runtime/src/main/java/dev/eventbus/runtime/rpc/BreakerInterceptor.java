package dev.eventbus.runtime.rpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * Reports each call's outcome to its service's {@link CircuitBreaker}, and while the circuit is
 * open fails calls at once with UNAVAILABLE without sending them: pausing the readers is not
 * enough, since entries already read (read-ahead, retries) would still reach a service that is
 * down or too slow, and a slow one applies calls its callers have given up on. A rejected call is
 * not reported, so it does not keep the circuit open.
 */
final class BreakerInterceptor implements ClientInterceptor {

    private final CircuitBreaker breaker;

    BreakerInterceptor(CircuitBreaker breaker) {
        this.breaker = breaker;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (breaker.readBudget() == 0) {
            return new RejectedCall<>(Status.UNAVAILABLE.withDescription(
                    "circuit open for " + method.getServiceName() + ": not called until it half-opens"));
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(
                        new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                switch (status.getCode()) {
                                    case UNAVAILABLE, DEADLINE_EXCEEDED ->
                                        breaker.recordUnavailable(
                                                status.getCode().name());
                                    case CANCELLED -> {} // the caller gave up: says nothing about the service
                                    default -> breaker.recordSuccess(); // the service answered, even if with an error
                                }
                                super.onClose(status, trailers);
                            }
                        },
                        headers);
            }
        };
    }

    /** A call that ends as soon as it starts, without reaching the channel. */
    private static final class RejectedCall<Q, R> extends ClientCall<Q, R> {

        private final Status status;

        RejectedCall(Status status) {
            this.status = status;
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            listener.onClose(status, new Metadata());
        }

        @Override
        public void request(int numMessages) {}

        @Override
        public void cancel(String message, Throwable cause) {}

        @Override
        public void halfClose() {}

        @Override
        public void sendMessage(Q message) {}
    }
}
