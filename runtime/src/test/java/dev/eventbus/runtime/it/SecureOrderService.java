package dev.eventbus.runtime.it;

import dev.eventbus.samples.orders.v1.MarkPaidReply;
import dev.eventbus.samples.orders.v1.MarkPaidRequest;
import dev.eventbus.samples.orders.v1.OrderServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A real TLS gRPC server implementing {@code orders.v1.OrderService/MarkPaid}, for the security
 * tests: server certificate from a test PKI, optionally requiring a client certificate signed by
 * a given CA (mutual TLS), and a bearer token checked by a server interceptor. Records each call it
 * answered with the client certificate's subject. Thread-safe.
 */
final class SecureOrderService implements AutoCloseable {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> API_KEY = Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER);

    /** One answered call: the order and who called (the client certificate's subject, or "none"). */
    record Call(String orderId, String clientSubject, String apiKey) {}

    private final Server server;
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<Status.Code> refusals = new CopyOnWriteArrayList<>();

    /**
     * @param host the address to bind, e.g. 127.0.0.1
     * @param clientCa CA that must have signed the client's certificate, or null for TLS without one
     * @param token the bearer token every call must carry
     */
    SecureOrderService(String host, TestCertificates pki, Path clientCa, String token) throws Exception {
        TlsServerCredentials.Builder tls =
                TlsServerCredentials.newBuilder().keyManager(pki.serverCert.toFile(), pki.serverKey.toFile());
        if (clientCa != null) {
            tls.trustManager(clientCa.toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
        }
        ServerInterceptor checkToken = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                if (!("Bearer " + token).equals(headers.get(AUTHORIZATION))) {
                    refusals.add(Status.Code.UNAUTHENTICATED);
                    call.close(Status.UNAUTHENTICATED.withDescription("bad or missing bearer token"), new Metadata());
                    return new ServerCall.Listener<>() {};
                }
                return next.startCall(call, headers);
            }
        };
        OrderServiceGrpc.OrderServiceImplBase orders = new OrderServiceGrpc.OrderServiceImplBase() {
            @Override
            public void markPaid(MarkPaidRequest request, StreamObserver<MarkPaidReply> replies) {
                calls.add(new Call(request.getOrderId(), Holder.SUBJECT.get(), Holder.API_KEY.get()));
                replies.onNext(MarkPaidReply.newBuilder().setApplied(true).build());
                replies.onCompleted();
            }
        };
        ServerInterceptor who = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
                String subject;
                try {
                    subject = session == null
                            ? "none"
                            : session.getPeerPrincipal().getName();
                } catch (SSLPeerUnverifiedException e) {
                    subject = "none";
                }
                Context context = Context.current()
                        .withValue(Holder.SUBJECT, subject)
                        .withValue(Holder.API_KEY, headers.get(API_KEY));
                return Contexts.interceptCall(context, call, headers, next);
            }
        };
        server = NettyServerBuilder.forAddress(new InetSocketAddress(host, 0), tls.build())
                .addService(ServerInterceptors.intercept(orders, who, checkToken))
                .build()
                .start();
    }

    private static final class Holder {
        static final Context.Key<String> SUBJECT = Context.key("client-subject");
        static final Context.Key<String> API_KEY = Context.key("api-key");
    }

    int port() {
        return server.getPort();
    }

    List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Calls refused by the token check. */
    List<Status.Code> refusals() {
        return List.copyOf(refusals);
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
