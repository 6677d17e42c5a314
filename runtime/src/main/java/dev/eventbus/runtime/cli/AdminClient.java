package dev.eventbus.runtime.cli;

import dev.eventbus.admin.v1.AdminServiceGrpc;
import dev.eventbus.admin.v1.GetPluginRequest;
import dev.eventbus.admin.v1.GetPluginResponse;
import dev.eventbus.admin.v1.GetStatusRequest;
import dev.eventbus.admin.v1.GetStatusResponse;
import dev.eventbus.admin.v1.ListPluginsRequest;
import dev.eventbus.admin.v1.ListPluginsResponse;
import dev.eventbus.admin.v1.ReloadPluginRequest;
import dev.eventbus.admin.v1.ReloadPluginResponse;
import dev.eventbus.runtime.internal.HostPort;
import dev.eventbus.runtime.ops.OpsException;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The admin gRPC API of a running runtime ({@code eventbus.admin.v1.AdminService}), as the
 * operator commands call it: one channel to the admin port (loopback unless configured otherwise),
 * plaintext or TLS as {@link Address} says, with the bearer token of the config when one is set.
 *
 * <p>A runtime that does not answer is {@link Unreachable}, a checked exception, so that every
 * caller decides what it does then: {@code status} and {@code plugins list|show} fall back to Redis
 * and the plugins directory, {@code plugins reload} fails. Not thread-safe; one per command.
 */
final class AdminClient implements AutoCloseable {

    /** How long a question may take; a reload gets longer (its subscriptions drain first). */
    static final Duration QUERY_DEADLINE = Duration.ofSeconds(10);

    static final Duration RELOAD_DEADLINE = Duration.ofMinutes(2);

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * Where the admin gRPC port is, and how to reach it.
     *
     * @param tls speak TLS to it
     * @param ca the CA to verify its certificate with; empty = the JVM's trust store
     */
    record Address(String host, int port, boolean tls, Optional<Path> ca) {

        /** Plaintext. */
        Address(String host, int port) {
            this(host, port, false, Optional.empty());
        }

        @Override
        public String toString() {
            return HostPort.of(host, port);
        }
    }

    /** The runtime did not answer (not running, another address, or no AdminService there). */
    static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message);
        }
    }

    private final Address address;
    private final ManagedChannel channel;
    private final AdminServiceGrpc.AdminServiceBlockingStub stub;

    /** @param token sent as {@code authorization: Bearer <token>} when not empty */
    AdminClient(Address address, String token) {
        this.address = address;
        this.channel = Grpc.newChannelBuilderForAddress(address.host(), address.port(), credentials(address))
                .userAgent("eventbus-cli")
                .build();
        AdminServiceGrpc.AdminServiceBlockingStub s = AdminServiceGrpc.newBlockingStub(channel);
        if (token != null && !token.isEmpty()) {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + token);
            s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.stub = s;
    }

    private static ChannelCredentials credentials(Address address) {
        if (!address.tls()) {
            return InsecureChannelCredentials.create();
        }
        if (address.ca().isEmpty()) {
            return TlsChannelCredentials.create();
        }
        try {
            return TlsChannelCredentials.newBuilder()
                    .trustManager(address.ca().get().toFile())
                    .build();
        } catch (IOException e) {
            throw new OpsException(
                    "cannot use " + address.ca().get() + " as the admin port's CA: " + e.getMessage(), e);
        }
    }

    Address address() {
        return address;
    }

    GetStatusResponse status(String handler) throws Unreachable {
        return call(
                QUERY_DEADLINE,
                s -> s.getStatus(GetStatusRequest.newBuilder()
                        .setHandler(handler == null ? "" : handler)
                        .build()));
    }

    ListPluginsResponse plugins() throws Unreachable {
        return call(QUERY_DEADLINE, s -> s.listPlugins(ListPluginsRequest.getDefaultInstance()));
    }

    /** @throws StatusRuntimeException NOT_FOUND for an id that neither runs nor was refused */
    GetPluginResponse plugin(String id) throws Unreachable {
        return call(
                QUERY_DEADLINE,
                s -> s.getPlugin(GetPluginRequest.newBuilder().setId(id).build()));
    }

    /** @throws StatusRuntimeException NOT_FOUND, FAILED_PRECONDITION (refused, old version kept) */
    ReloadPluginResponse reload(String id) throws Unreachable {
        return call(
                RELOAD_DEADLINE,
                s -> s.reloadPlugin(ReloadPluginRequest.newBuilder().setId(id).build()));
    }

    private <T> T call(Duration deadline, Function<AdminServiceGrpc.AdminServiceBlockingStub, T> call)
            throws Unreachable {
        try {
            return call.apply(stub.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (StatusRuntimeException e) {
            switch (e.getStatus().getCode()) {
                case UNAVAILABLE ->
                    throw new Unreachable("the runtime at " + address + " did not answer (" + why(e) + ")");
                case DEADLINE_EXCEEDED ->
                    throw new Unreachable("the runtime at " + address + " did not answer within "
                            + CliOutput.duration(deadline.toMillis()));
                case UNIMPLEMENTED ->
                    throw new Unreachable(
                            "the server at " + address
                                    + " has no eventbus.admin.v1.AdminService (not an Eventbus admin port, or an older runtime)");
                case UNAUTHENTICATED ->
                    throw new OpsException("the runtime at " + address + " refused the admin token: "
                            + "set eventbus.admin.token (env EVENTBUS_ADMIN_TOKEN) to the runtime's token");
                default -> throw e;
            }
        }
    }

    /** The innermost message of a transport failure ("Connection refused: ..."), else the status. */
    private static String why(StatusRuntimeException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t != e && t.getMessage() != null) {
            return t.getMessage();
        }
        return e.getStatus().getCode()
                + (e.getStatus().getDescription() == null
                        ? ""
                        : ": " + e.getStatus().getDescription());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
