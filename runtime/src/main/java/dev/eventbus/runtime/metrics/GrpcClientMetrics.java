package dev.eventbus.runtime.metrics;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts the gRPC calls handlers make, per method and final status, and times them (from start to
 * close, so refusals by an open circuit breaker count too, with their status). Added to every
 * channel the runtime lends (the runtime constructor's interceptor list).
 */
public final class GrpcClientMetrics implements ClientInterceptor {

    private static final int CODES = Status.Code.values().length;

    private final MetricRegistry registry;
    /** Per method, the meter of each status code (by ordinal), made on first use: no key built per call. */
    private final Map<String, Meter[]> calls = new ConcurrentHashMap<>();

    private final Map<String, Timer> latency = new ConcurrentHashMap<>();

    public GrpcClientMetrics(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        String name = method.getFullMethodName();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                long start = System.nanoTime();
                super.start(
                        new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onClose(Status status, Metadata trailers) {
                                record(name, status.getCode(), System.nanoTime() - start);
                                super.onClose(status, trailers);
                            }
                        },
                        headers);
            }
        };
    }

    void record(String method, Status.Code code, long nanos) {
        Meter[] byCode = calls.get(method);
        if (byCode == null) {
            byCode = calls.computeIfAbsent(method, m -> new Meter[CODES]);
        }
        Meter meter = byCode[code.ordinal()];
        if (meter == null) {
            // The registry returns the one meter of a name, so a race here only looks it up twice.
            meter = registry.meter(MetricNames.name(
                    MetricNames.GRPC_CALLS, MetricNames.L_METHOD, method, MetricNames.L_STATUS, code.name()));
            byCode[code.ordinal()] = meter;
        }
        meter.mark();
        Timer timer = latency.get(method);
        if (timer == null) {
            timer = latency.computeIfAbsent(
                    method,
                    m -> registry.timer(
                            MetricNames.name(MetricNames.GRPC_LATENCY, MetricNames.L_METHOD, m), Timers::lockFree));
        }
        timer.update(nanos, TimeUnit.NANOSECONDS);
    }
}
