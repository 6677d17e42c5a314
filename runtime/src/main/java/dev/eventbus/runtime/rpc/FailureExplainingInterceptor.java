package dev.eventbus.runtime.rpc;

import dev.eventbus.runtime.config.RpcServiceSettings;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts what the operator must fix into the status a failed call ends with, so that it reaches
 * the handler's exception, the log and the dead letter's reason text: the cause of a failed TLS
 * handshake (which gRPC reports only as {@code UNAVAILABLE: io exception}), and that
 * {@code UNIMPLEMENTED} means the target is not the service configured. The status code stays as
 * it was, so classification, retries and the circuit breaker see the same failure.
 *
 * <p>A TLS failure is logged once per service until it changes or a call gets an answer, not at
 * every call. Thread-safe.
 */
final class FailureExplainingInterceptor implements ClientInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(FailureExplainingInterceptor.class);

    private final RpcServiceSettings service;
    private final String keys;
    private final AtomicReference<String> lastLogged = new AtomicReference<>();

    FailureExplainingInterceptor(RpcServiceSettings service) {
        this.service = service;
        this.keys = "eventbus.grpc.services.\"" + service.service() + "\"";
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(
                        new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                super.onClose(explain(status, method.getFullMethodName()), trailers);
                            }
                        },
                        headers);
            }
        };
    }

    Status explain(Status status, String method) {
        switch (status.getCode()) {
            case UNAVAILABLE -> {
                String tls = status.getCause() == null ? null : RpcTlsFailure.diagnosis(status.getCause(), keys);
                if (tls == null) {
                    return status;
                }
                String text = "TLS handshake with " + service.target() + " failed: " + tls;
                String previous = lastLogged.getAndSet(text);
                if (!Objects.equals(previous, text)) {
                    LOG.warn("grpc service {}: {}", service.service(), text, status.getCause());
                }
                return status.withDescription(text);
            }
            case UNIMPLEMENTED -> {
                lastLogged.set(null);
                String said = status.getDescription() == null ? "" : status.getDescription() + "; ";
                return status.withDescription(said + "the server at " + service.target()
                        + " does not implement " + method + ": a configuration problem, not a bad event (is " + keys
                        + ".target the right server, or has another process taken that port?)");
            }
            case DEADLINE_EXCEEDED, CANCELLED -> {
                return status; // no answer from the service: says nothing about the handshake
            }
            default -> {
                lastLogged.set(null);
                return status;
            }
        }
    }
}
