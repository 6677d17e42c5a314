package dev.eventbus.runtime.config;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.SynchronizationContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Whether gRPC-Java can read a service's target, read as the channel will read it when {@code run}
 * opens it: as a URI whose scheme has a name resolver ({@code dns:}, {@code unix:}), else, unless
 * it looks like a URI ({@code scheme:/...}), as {@code dns:///<target>}; then the resolver is made
 * (which parses the host and port) and shut down at once. Nothing is resolved or connected. A
 * target gRPC refuses ({@code "not a target::::"}, {@code "http://orders:50051"}) otherwise passed
 * {@code config check} and failed {@code run} with gRPC's own words, naming no key.
 *
 * <p>Stateless and thread-safe.
 */
final class RpcTargetCheck {

    /** The forms a target takes, for the message. */
    static final String FORMS = "host:port (a name, an IPv4 address or [IPv6]:port), dns:///host:port, "
            + "dns://<DNS server>/host:port, or unix:/path/to/socket";

    /** What gRPC-Java takes for a URI target, not to be tried as dns:///<target> (RFC 2396 scheme, then ":/"). */
    private static final Pattern URI_TARGET = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:/.*");

    /** What a resolver needs to be made; none of it is used, as it is never started. */
    private static final NameResolver.Args ARGS = NameResolver.Args.newBuilder()
            .setDefaultPort(443)
            .setProxyDetector(address -> null)
            .setSynchronizationContext(new SynchronizationContext((thread, error) -> {}))
            .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
                @Override
                public NameResolver.ConfigOrError parseServiceConfig(Map<String, ?> rawServiceConfig) {
                    return NameResolver.ConfigOrError.fromConfig(rawServiceConfig);
                }
            })
            .build();

    private RpcTargetCheck() {}

    /** @return why gRPC cannot open a channel to {@code target}, or {@code null} when it can */
    static String problem(String target) {
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
        URI uri = null;
        String syntax = null;
        try {
            uri = new URI(target);
        } catch (URISyntaxException e) {
            syntax = e.getMessage();
        }
        NameResolverProvider provider =
                uri == null || uri.getScheme() == null ? null : registry.getProviderForScheme(uri.getScheme());
        if (provider == null && !URI_TARGET.matcher(target).matches()) {
            try {
                uri = new URI(registry.asFactory().getDefaultScheme(), "", "/" + target, null);
            } catch (URISyntaxException e) {
                return "gRPC cannot read it (" + e.getMessage() + ")";
            }
            provider = registry.getProviderForScheme(uri.getScheme());
        }
        if (provider == null) {
            return "gRPC has no name resolver for it"
                    + (uri != null && uri.getScheme() != null ? " (scheme " + uri.getScheme() + ":)" : "")
                    + (syntax == null ? "" : " (" + syntax + ")");
        }
        try {
            NameResolver resolver = provider.newNameResolver(uri, ARGS);
            if (resolver == null) {
                return "gRPC has no name resolver for it";
            }
            resolver.shutdown();
        } catch (IllegalArgumentException e) {
            return "gRPC cannot read it (" + e.getMessage() + ")";
        } catch (NullPointerException e) {
            // dns:orders:50051: gRPC builds the channel, and its resolver fails at every call.
            return "gRPC cannot read it (" + uri.getScheme() + ": is followed by a path: " + uri.getScheme()
                    + ":///...)";
        }
        return null;
    }
}
