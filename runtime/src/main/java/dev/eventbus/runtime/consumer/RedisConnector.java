package dev.eventbus.runtime.consumer;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.config.RedisTls;
import dev.eventbus.runtime.config.RedisUserInfo;
import dev.eventbus.runtime.internal.FailureLogPacing;
import dev.eventbus.runtime.internal.ReconnectReason;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the Lettuce client and opens connections to Redis. Connections reconnect on their own after
 * a drop; while disconnected they refuse commands at once instead of queueing them (no heap growth
 * during an outage), and the request queue is bounded.
 *
 * <p>At start-up Redis may not be up yet: {@link #connect} retries with doubling back-off and logs
 * one line per attempt, never a stack trace.
 *
 * <p>TLS material (CA, client certificate and key) and the verification mode come from the
 * runtime's settings, never from JVM-wide {@code javax.net.ssl} properties; verification turned off
 * is logged as a warning each time a connector is made.
 *
 * <p>The {@link ConnectionOpener} of the settings opens each connection: to one node, to the primary
 * the sentinels name (followed through failovers), or to a Redis Cluster (following its topology).
 *
 * <p>Thread-safe.
 */
public final class RedisConnector implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);

    private final RedisSettings settings;
    private final ConnectionOpener opener;

    public RedisConnector(RedisSettings settings) {
        this(settings, new TopologyChanges());
    }

    /** @param changes the runtime's, shared with its other clients */
    public RedisConnector(RedisSettings settings, TopologyChanges changes) {
        this.settings = settings;
        this.opener = ConnectionOpener.of(settings, changes);
        if (settings.peerVerificationOff()) {
            LOG.warn(
                    "TLS to Redis at {} does not verify the server's certificate (verifyPeer=NONE or "
                            + "eventbus.redis.tls.verify = none): anyone on the network path can pose as Redis and read "
                            + "every event and the password; set eventbus.redis.tls.ca-file and verify = full",
                    settings.redactedUri());
        }
    }

    /**
     * The URI of the settings, with the command timeout, the password of {@code redis.password-file}
     * and the verification mode of {@code redis.tls.verify} applied. For a sentinel URI, the
     * credentials are the data nodes'; the sentinels get the timeout and the verification mode.
     */
    public static RedisURI uri(RedisSettings settings) {
        return uri(settings, settings.uri());
    }

    /**
     * The seed nodes of a cluster URI ({@code redis-cluster://[user:pass@]h1:7000,h2:7000[?query]}),
     * each a one-node URI with the same scheme's TLS, credentials and query, settings applied as in
     * {@link #uri(RedisSettings)}.
     */
    static List<RedisURI> clusterSeeds(RedisSettings settings) {
        String text = settings.uri();
        String scheme = text.startsWith("rediss-cluster://") ? "rediss://" : "redis://";
        String rest = text.substring(text.indexOf("://") + 3);
        int at = rest.lastIndexOf('@');
        String user = at < 0 ? "" : rest.substring(0, at + 1);
        String hostsAndQuery = rest.substring(at + 1);
        int end = indexOfAny(hostsAndQuery, "/?#");
        String hosts = end < 0 ? hostsAndQuery : hostsAndQuery.substring(0, end);
        String tail = end < 0 ? "" : hostsAndQuery.substring(end);
        List<RedisURI> seeds = new ArrayList<>();
        for (String host : hosts.split(",")) {
            seeds.add(uri(settings, scheme + user + host.strip() + tail));
        }
        return seeds;
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static RedisURI uri(RedisSettings settings, String text) {
        RedisURI uri = RedisURI.create(text);
        uri.setTimeout(settings.commandTimeout());
        if (!settings.password().isEmpty()) {
            uri.setAuthentication(
                    RedisUserInfo.user(settings.uri()).orElse(null),
                    settings.password().toCharArray());
        }
        for (RedisURI sentinel : uri.getSentinels()) {
            sentinel.setTimeout(settings.commandTimeout());
        }
        if (settings.tlsEnabled()) {
            SslVerifyMode mode = switch (settings.verification()) {
                case FULL -> SslVerifyMode.FULL;
                case CA -> SslVerifyMode.CA;
                case NONE -> SslVerifyMode.NONE;
            };
            uri.setVerifyPeer(mode);
            uri.getSentinels().forEach(sentinel -> sentinel.setVerifyPeer(mode));
        }
        return uri;
    }

    /**
     * Lettuce's SSL options from the settings' PEM files: trust the CA, present the client
     * certificate. The files are read for every connection, checked first (see {@link RedisTlsFiles}).
     *
     * @throws dev.eventbus.runtime.config.InvalidConfigException when a file cannot be used
     */
    static SslOptions sslOptions(RedisTls tls) {
        RedisTlsFiles files = new RedisTlsFiles(tls);
        SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
        if (tls.caFile().isPresent()) {
            ssl.trustManager(files.ca());
        }
        if (tls.certFile().isPresent() && tls.keyFile().isPresent()) {
            ssl.keyManager(
                    files.certificate(),
                    files.key(),
                    tls.keyPassword().isEmpty() ? null : tls.keyPassword().toCharArray());
        }
        return ssl.build();
    }

    /**
     * A client with the runtime's options: reconnects by itself, refuses commands while
     * disconnected, bounds its queue and times out every command. Every Redis client of the
     * runtime and its tools is made here.
     */
    public static RedisClient client(RedisSettings settings) {
        RedisClient client = new OwningClient(resources(settings));
        ClientOptions.Builder options = ClientOptions.builder();
        if (settings.tlsEnabled() && settings.tls().hasMaterial()) {
            options.sslOptions(sslOptions(settings.tls()));
        }
        client.setOptions(options.autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(settings.requestQueueSize())
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .keepAlive(true)
                        .build())
                .timeoutOptions(TimeoutOptions.builder()
                        .fixedTimeout(settings.commandTimeout())
                        .build())
                .build());
        client.addListener(new RedisPermissionLog(settings.redactedUri()));
        return client;
    }

    /**
     * Lettuce's event loops and timers with the reconnect back-off of {@code redis.reconnect}
     * (Lettuce offers it nowhere else). The caller owns them: shut them down after the client.
     */
    static ClientResources resources(RedisSettings settings) {
        Duration initial = settings.reconnect().initialDelay();
        Duration max = settings.reconnect().maxDelay();
        Delay delay =
                initial.equals(max) ? Delay.constant(max) : Delay.exponential(initial, max, 2, TimeUnit.MILLISECONDS);
        return DefaultClientResources.builder().reconnectDelay(delay).build();
    }

    /** Shuts {@code resources} down without blocking, once {@code shutDown} is done. */
    static CompletableFuture<Void> shutDownAfter(CompletableFuture<Void> shutDown, ClientResources resources) {
        return shutDown.handle((ignored, error) -> null).thenCompose(ignored -> {
            CompletableFuture<Void> done = new CompletableFuture<>();
            resources.shutdown(0, 2, TimeUnit.SECONDS).addListener(f -> done.complete(null));
            return done;
        });
    }

    /**
     * A client that owns its resources: Lettuce shuts down only the resources it made itself, and
     * the reconnect back-off needs resources made here.
     */
    private static final class OwningClient extends RedisClient {

        private final ClientResources resources;

        OwningClient(ClientResources resources) {
            super(resources, new RedisURI());
            this.resources = resources;
        }

        @Override
        public CompletableFuture<Void> shutdownAsync(long quietPeriod, long timeout, TimeUnit timeUnit) {
            return shutDownAfter(super.shutdownAsync(quietPeriod, timeout, timeUnit), resources);
        }
    }

    /**
     * Lettuce's way of saying that the server closed the channel before the handshake (HELLO/AUTH)
     * was set up, e.g. right after refusing the previous attempt's credentials: the host answered,
     * so "unreachable" would send the operator to the network instead of the server's log.
     */
    static boolean closedDuringHandshake(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // A cluster client only quotes it, in its "Cannot retrieve cluster partitions".
            if (t.getMessage() != null && t.getMessage().contains("RedisHandshakeHandler not registered")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens a connection, retrying until Redis answers or {@code stopping} turns true.
     *
     * @param purpose what the connection is for, for the log line
     * @return the connection, or {@code null} when stopped before Redis answered
     */
    public RedisConnection<byte[], byte[]> connect(String purpose, BooleanSupplier stopping) {
        Duration backoff = settings.connectBackoffInitial();
        FailureLogPacing logPacing = new FailureLogPacing(System::nanoTime);
        int attempt = 0;
        while (!stopping.getAsBoolean()) {
            attempt++;
            try {
                RedisConnection<byte[], byte[]> connection = opener.open(ByteArrayCodec.INSTANCE);
                if (attempt > 1) {
                    LOG.info("Redis at {} answered after {} attempts ({})", settings.redactedUri(), attempt, purpose);
                }
                return connection;
            } catch (RuntimeException e) {
                String missing = MissingPermission.describe(e);
                String refusal = missing == null ? RedisAuthFailure.refusal(e) : null;
                String tlsFailure = missing == null && refusal == null ? RedisTlsFailure.diagnosis(e) : null;
                String misconfigured = RedisMisconfiguration.describe(e);
                // The first failure, each growth of the wait, then a reminder a minute: not every attempt.
                String kind = missing != null
                        ? missing
                        : tlsFailure != null
                                ? tlsFailure
                                : refusal != null
                                        ? refusal
                                        : misconfigured != null
                                                ? misconfigured
                                                : e.getClass().getName();
                if (logPacing.failed(backoff, kind)) {
                    if (missing != null) {
                        LOG.warn(
                                "Redis at {} refused a command ({}): {}; retrying in {} ms",
                                settings.redactedUri(),
                                purpose,
                                missing,
                                backoff.toMillis());
                    } else if (tlsFailure != null) {
                        LOG.warn(
                                "Redis at {} TLS handshake failed ({}): {}; retrying in {} ms",
                                settings.redactedUri(),
                                purpose,
                                tlsFailure,
                                backoff.toMillis());
                    } else if (refusal != null) {
                        LOG.warn(
                                "Redis at {} authentication failed ({}): {}; check the user and password of "
                                        + "eventbus.redis.uri; retrying in {} ms",
                                settings.redactedUri(),
                                purpose,
                                refusal,
                                backoff.toMillis());
                    } else if (misconfigured != null) {
                        LOG.warn(
                                "Redis at {} answers, but {} ({}); retrying in {} ms",
                                settings.redactedUri(),
                                misconfigured,
                                purpose,
                                backoff.toMillis());
                    } else if (closedDuringHandshake(e)) {
                        LOG.warn(
                                "Redis at {} closed the connection during its handshake ({}){}; retrying in {} ms",
                                settings.redactedUri(),
                                purpose,
                                plainTextHint(e),
                                backoff.toMillis());
                    } else {
                        LOG.warn(
                                "Redis at {} unreachable ({}): {}{}; retrying in {} ms",
                                settings.redactedUri(),
                                purpose,
                                rootMessage(e),
                                plainTextHint(e),
                                backoff.toMillis());
                    }
                }
                if (!pause(backoff, stopping)) {
                    return null;
                }
                backoff = backoff.multipliedBy(2);
                if (backoff.compareTo(settings.connectBackoffMax()) > 0) {
                    backoff = settings.connectBackoffMax();
                }
            }
        }
        return null;
    }

    /** {@code "; "} and {@link RedisTlsFailure#plainTextHint}, or empty. */
    private String plainTextHint(Throwable e) {
        String hint = RedisTlsFailure.plainTextHint(settings, e);
        return hint == null ? "" : "; " + hint;
    }

    /** How often a back-off looks at {@code stopping}: a stop is not kept waiting for the back-off's end. */
    private static final Duration STOP_CHECK = Duration.ofMillis(50);

    /** Waits {@code d}, or until {@code stopping} turns true; false when stopped or interrupted. */
    static boolean pause(Duration d, BooleanSupplier stopping) {
        long deadline = System.nanoTime() + d.toNanos();
        try {
            for (long left = d.toNanos(); left > 0; left = deadline - System.nanoTime()) {
                if (stopping.getAsBoolean()) {
                    return false;
                }
                Thread.sleep(Duration.ofNanos(Math.min(left, STOP_CHECK.toNanos())));
            }
            return !stopping.getAsBoolean();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Where the client says that its view of Redis changed: loops in a back-off try again then. */
    public TopologyChanges changes() {
        return opener.changes();
    }

    /** With a sentinel URI, asks each of its sentinels on its own; empty otherwise. */
    public java.util.Optional<SentinelAnswers> sentinels() {
        return opener.sentinels();
    }

    /** Why this client's connections fail to reconnect (see {@link ReconnectFailures}). */
    public ReconnectReason reconnectReason() {
        return opener::reconnectFailure;
    }

    public RedisSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        opener.close();
    }
}
