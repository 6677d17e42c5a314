package dev.eventbus.runtime.rpc;

import dev.eventbus.runtime.config.RpcCallCredentials;
import io.grpc.CallCredentials;
import io.grpc.Metadata;
import java.util.concurrent.Executor;

/**
 * Adds the same headers to every call of one service: a bearer token and the operator's metadata,
 * read from files at start. gRPC applies them below the handler, so a plugin never sees them.
 *
 * <p>Immutable and thread-safe.
 */
final class StaticCallCredentials extends CallCredentials {

    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Metadata headers = new Metadata();

    StaticCallCredentials(RpcCallCredentials credentials) {
        if (!credentials.bearerToken().isEmpty()) {
            headers.put(AUTHORIZATION, "Bearer " + credentials.bearerToken());
        }
        credentials
                .metadata()
                .forEach((name, value) -> headers.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value));
    }

    @Override
    public void applyRequestMetadata(RequestInfo request, Executor appExecutor, MetadataApplier applier) {
        // A copy per call: gRPC merges what it is given into the call's own headers.
        Metadata copy = new Metadata();
        copy.merge(headers);
        applier.apply(copy);
    }

    @Override
    public String toString() {
        return "StaticCallCredentials[" + headers.keys() + "]";
    }
}
