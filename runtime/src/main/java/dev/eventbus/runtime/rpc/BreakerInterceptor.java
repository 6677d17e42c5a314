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

/** Reports each call's outcome to its service's {@link CircuitBreaker}. */
final class BreakerInterceptor implements ClientInterceptor {

    private final CircuitBreaker breaker;

    BreakerInterceptor(CircuitBreaker breaker) {
        this.breaker = breaker;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        switch (status.getCode()) {
                            case UNAVAILABLE, DEADLINE_EXCEEDED -> breaker.recordUnavailable(status.getCode().name());
                            case CANCELLED -> { } // the caller gave up: says nothing about the service
                            default -> breaker.recordSuccess(); // the service answered, even if with an error
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }
}
