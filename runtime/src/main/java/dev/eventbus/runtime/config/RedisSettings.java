package dev.eventbus.runtime.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How to reach Redis.
 *
 * @param uri a Redis URI, of one node ({@code redis://}, {@code rediss://}) or of the sentinels
 *     watching a primary ({@code redis-sentinel://}, {@code rediss-sentinel://}) or seed nodes of a
 *     Redis Cluster ({@code redis-cluster://}, {@code rediss-cluster://}); may hold a
 *     password, so never log it whole (see {@link #redactedUri()})
 * @param password the password read from {@code redis.password-file}, empty when the URI holds it
 *     (or there is none); a secret: never shown (see {@link #toString()})
 * @param tls the TLS material and verification mode for {@code rediss://}
 * @param reconnect the back-off of every client's reconnects after a connection drops
 */
public record RedisSettings(
        String uri,
        Duration commandTimeout,
        int requestQueueSize,
        Duration connectBackoffInitial,
        Duration connectBackoffMax,
        String password,
        RedisTls tls,
        RedisReconnect reconnect) {

    /** Settings whose URI holds any credentials, with no TLS material of their own and the default reconnects. */
    public RedisSettings(
            String uri,
            Duration commandTimeout,
            int requestQueueSize,
            Duration connectBackoffInitial,
            Duration connectBackoffMax) {
        this(
                uri,
                commandTimeout,
                requestQueueSize,
                connectBackoffInitial,
                connectBackoffMax,
                "",
                RedisTls.NONE,
                RedisReconnect.DEFAULT);
    }

    /** The URI without user info, for logs and admin answers. */
    public String redactedUri() {
        return redact(uri);
    }

    /** Whether the connection is TLS ({@code rediss://}, {@code rediss-sentinel://} or {@code rediss-cluster://}). */
    public boolean tlsEnabled() {
        return tlsScheme(uri);
    }

    /**
     * Whether the URI names sentinels ({@code redis-sentinel://} or {@code rediss-sentinel://}) that
     * say which node is the primary, rather than the node itself.
     */
    public boolean sentinel() {
        return uri != null && (uri.startsWith("redis-sentinel://") || uri.startsWith("rediss-sentinel://"));
    }

    /**
     * Whether the URI names seed nodes of a Redis Cluster ({@code redis-cluster://} or
     * {@code rediss-cluster://}), whose topology the client then learns and follows.
     */
    public boolean cluster() {
        return uri != null && (uri.startsWith("redis-cluster://") || uri.startsWith("rediss-cluster://"));
    }

    /** Whether a URI's scheme asks for TLS. */
    static boolean tlsScheme(String uri) {
        return uri != null
                && (uri.startsWith("rediss://")
                        || uri.startsWith("rediss-sentinel://")
                        || uri.startsWith("rediss-cluster://"));
    }

    /**
     * How the server's (and the sentinels') certificate is checked: {@code redis.tls.verify} when set, else the URI's
     * {@code verifyPeer} parameter, else full. Meaningful only when {@link #tlsEnabled()}.
     */
    public RedisTls.Verification verification() {
        return tls.verify().or(() -> uriVerification(uri)).orElse(RedisTls.Verification.FULL);
    }

    /** What {@link #peerVerificationOff()} means, in the words every place that shows it uses. */
    public static final String VERIFICATION_OFF_WARNING = "TLS to Redis does not verify the server's certificate "
            + "(verifyPeer=NONE or eventbus.redis.tls.verify = none): anyone on the network path can pose as Redis";

    /** Whether TLS is on but anyone could pose as the server: worth a warning wherever settings show. */
    public boolean peerVerificationOff() {
        return tlsEnabled() && verification() == RedisTls.Verification.NONE;
    }

    /** The {@code verifyPeer} query parameter of a URI, when it has one Lettuce understands. */
    static Optional<RedisTls.Verification> uriVerification(String uri) {
        int query = uri == null ? -1 : uri.indexOf('?', Math.max(0, uri.lastIndexOf('@')));
        if (query < 0) {
            return Optional.empty();
        }
        for (String parameter : uri.substring(query + 1).split("[&#]")) {
            int eq = parameter.indexOf('=');
            if (eq > 0 && parameter.substring(0, eq).equalsIgnoreCase("verifyPeer")) {
                return RedisTls.Verification.parse(parameter.substring(eq + 1));
            }
        }
        return Optional.empty();
    }

    /**
     * Every URI in a text (a client's message, which may list several: a cluster's seeds) without
     * its user info. The client masks a password itself but shows the user; a URI as configured
     * goes through {@link #redact}, which also hides a password holding a raw {@code @}.
     */
    public static String redactAll(String text) {
        return USER_INFO.matcher(text).replaceAll("$1***@");
    }

    /** A URI's scheme, then its user info up to the {@code @} (no space, {@code /}, {@code ,} or {@code ]} in it). */
    private static final java.util.regex.Pattern USER_INFO =
            java.util.regex.Pattern.compile("([a-z][a-z0-9+.-]*://)[^\\s/@,\\]]*@");

    /**
     * Any Redis URI without its user info. Everything between {@code //} and the last {@code @} goes,
     * so a password holding a raw {@code @}, {@code /}, {@code ?} or {@code #} never shows in part; an
     * {@code @} later in the URI (in a query value) hides the host too, which is the safe side.
     */
    public static String redact(String uri) {
        int start = uri.indexOf("//");
        int at = uri.lastIndexOf('@');
        return start < 0 || at < start ? uri : uri.substring(0, start + 2) + "***" + uri.substring(at);
    }

    /** Without the password or the URI's user info. */
    @Override
    public String toString() {
        return "RedisSettings[uri=" + (uri == null ? null : redactedUri()) + ", commandTimeout=" + commandTimeout
                + ", requestQueueSize="
                + requestQueueSize + ", connectBackoffInitial=" + connectBackoffInitial + ", connectBackoffMax="
                + connectBackoffMax + ", password=" + (password.isEmpty() ? "" : "***") + ", tls=" + tls
                + ", reconnect=" + reconnect + "]";
    }
}
