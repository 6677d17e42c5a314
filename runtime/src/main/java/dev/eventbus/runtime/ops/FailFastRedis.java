package dev.eventbus.runtime.ops;

import dev.eventbus.runtime.config.RedisSettings;
import dev.eventbus.runtime.consumer.ConnectionOpener;
import dev.eventbus.runtime.consumer.MissingPermission;
import dev.eventbus.runtime.consumer.RedisConnection;
import dev.eventbus.runtime.consumer.RedisMisconfiguration;
import dev.eventbus.runtime.consumer.RedisTlsFailure;
import dev.eventbus.runtime.consumer.SentinelAnswers;
import dev.eventbus.runtime.consumer.StreamNode;
import dev.eventbus.runtime.consumer.TopologyChanges;
import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.ReconnectReason;
import dev.eventbus.runtime.stream.KeyLayout;
import io.lettuce.core.KeyScanArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisException;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Redis that connects once, without the runtime's retry loop, and fails fast with a clear message:
 * as the operator tools, the metrics poller and the readiness check use it. One client, a text
 * connection for names and numbers, a binary one for copying entries byte for byte.
 *
 * <p>Thread-safe (Lettuce connections are).
 */
public final class FailFastRedis implements AutoCloseable {

    private final RedisSettings settings;
    private final ConnectionOpener opener;
    private volatile RedisConnection<String, String> text;
    private volatile RedisConnection<byte[], byte[]> bytes;
    /** The cluster's primaries that did not answer the latest {@link #unanswered} ({@code host:port}). */
    private volatile List<String> silentPrimaries = List.of();

    public FailFastRedis(RedisSettings settings) {
        this(settings, new TopologyChanges());
    }

    /**
     * @param changes the runtime's, shared with its other clients (a new topology seen here has
     *     them refresh theirs; no reader reads through this client)
     */
    public FailFastRedis(RedisSettings settings, TopologyChanges changes) {
        this.settings = settings;
        this.opener = ConnectionOpener.of(settings, changes, false);
    }

    /** Why this client's connections fail to reconnect, for the words of a command refused meanwhile. */
    public ReconnectReason reconnectReason() {
        return opener::reconnectFailure;
    }

    /** Commands with string keys and values. */
    public RedisClusterCommands<String, String> text() {
        if (text == null) {
            synchronized (this) {
                if (text == null) {
                    text = connect(StringCodec.UTF8);
                }
            }
        }
        return text.sync();
    }

    /** Commands with raw keys and values: entries are copied exactly, whatever their bytes. */
    public RedisClusterCommands<byte[], byte[]> bytes() {
        if (bytes == null) {
            synchronized (this) {
                if (bytes == null) {
                    bytes = connect(ByteArrayCodec.INSTANCE);
                }
            }
        }
        return bytes.sync();
    }

    /** Whether Redis answers PING within the timeout (never throws). */
    public boolean ping(Duration timeout) {
        return unanswered(timeout).isEmpty();
    }

    /**
     * Why Redis does not answer PING within the timeout: "" when it does, the missing permission
     * when it refused a command (never called unreachable then), what is misconfigured when it
     * answers but cannot serve this configuration, else "does not answer" (with the client's reason
     * when the connection failed, or, for one that is down, why its latest reconnect attempt
     * failed). Never throws.
     */
    public String unanswered(Duration timeout) {
        silentPrimaries = List.of();
        try {
            text();
            if (text.isCluster()) {
                return unansweredPrimaries(timeout);
            }
            String pong = text.async().ping().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return "PONG".equalsIgnoreCase(pong) ? "" : "does not answer";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "does not answer";
        } catch (Exception rejected) {
            // A connection that is down rejects the PING with "Currently not connected": why its
            // reconnect attempts fail (refused, TLS, a login) is what to say, as for a first connect.
            Throwable reconnect = text != null ? opener.reconnectFailure().orElse(null) : null;
            Throwable e = reconnect != null ? reconnect : rejected;
            String missing = MissingPermission.describe(e);
            if (missing != null) {
                return "answers, but refused a command: " + missing;
            }
            String wrong = RedisMisconfiguration.describe(e);
            // With the client's words: "does not answer" alone hid why (a cluster URI with a wrong
            // password once said it, in 42 ms, in a loaded full build).
            if (wrong != null) {
                return "answers, but " + wrong;
            }
            String tlsFailure = RedisTlsFailure.diagnosis(e);
            if (tlsFailure != null) { // as the log and the operator commands say it, not the JDK's whole chain
                return "does not answer: TLS handshake failed: " + tlsFailure;
            }
            boolean timedOut = e instanceof TimeoutException
                    || Errors.hasCause(e, io.lettuce.core.RedisCommandTimeoutException.class);
            // No connection yet, or one reconnecting: it was a connect that failed, where a TLS-only
            // port closes a plain-text one.
            String plainText = text == null || reconnect != null ? RedisTlsFailure.plainTextHint(settings, e) : null;
            return timedOut && reconnect == null
                    ? "does not answer"
                    : "does not answer (" + (reconnect == null ? "" : "reconnecting: ") + Errors.rootMessage(e)
                            + (plainText == null ? "" : "; " + plainText) + ")";
        }
    }

    /**
     * On a cluster, every primary in the client's view is asked, side by side: a PING through the
     * cluster connection goes to one node, and readiness said all of Redis did not answer when
     * that node was the frozen one, and "answers" when another primary was (found from outside).
     */
    private String unansweredPrimaries(Duration timeout) throws InterruptedException {
        Map<String, CompletableFuture<String>> pings = new TreeMap<>();
        for (String address : text.primaryAddresses()) {
            pings.put(address, text.primaryAsync(address).thenCompose(node -> node.ping()));
        }
        try {
            CompletableFuture.allOf(pings.values().toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // each is looked at below
        }
        List<String> silent = new ArrayList<>();
        for (Map.Entry<String, CompletableFuture<String>> ping : pings.entrySet()) {
            CompletableFuture<String> answer = ping.getValue();
            if (answer.isDone() && !answer.isCompletedExceptionally()) {
                continue;
            }
            if (answer.isCompletedExceptionally()) {
                Throwable why = answer.exceptionNow();
                String missing = MissingPermission.describe(why);
                if (missing != null) {
                    return "answers, but refused a command: " + missing;
                }
            }
            silent.add(ping.getKey());
        }
        silentPrimaries = List.copyOf(silent);
        if (pings.isEmpty()) {
            return "does not answer (no primary in the client's view)";
        }
        return silentPrimaries(silent, pings.size(), opener::reconnectFailureOf);
    }

    /**
     * What readiness says of a cluster's primaries that did not answer, each with why its
     * connection fails to reconnect when an attempt failed since it was lost: {@code primary
     * 10.0.0.7:7000 does not answer (reconnecting: ConnectException: Connection refused; 2 of 3
     * primaries do)}. Only one node's and a Sentinel's readiness said why before (found from outside).
     *
     * @param silent the primaries that did not answer
     * @param primaries how many were asked
     * @param reconnectFailure a primary's latest failed reconnect attempt, by {@code host:port}
     */
    static String silentPrimaries(
            List<String> silent, int primaries, Function<String, Optional<Throwable>> reconnectFailure) {
        if (silent.isEmpty()) {
            return "";
        }
        List<String> reasons = new ArrayList<>();
        for (String address : silent) {
            reconnectFailure
                    .apply(address)
                    .ifPresent(e -> reasons.add(
                            (silent.size() == 1 ? "" : address + " ") + "reconnecting: " + reconnectText(e)));
        }
        String why = String.join(", ", reasons);
        if (silent.size() == primaries) {
            return why.isEmpty() ? "does not answer" : "does not answer (" + why + ")";
        }
        return "primary " + String.join(", ", silent) + " does not answer (" + (why.isEmpty() ? "" : why + "; ")
                + (primaries - silent.size()) + " of " + primaries + " primaries do)";
    }

    /** A failed reconnect attempt as readiness says it: a TLS handshake as the log does, else its root cause. */
    private static String reconnectText(Throwable e) {
        String tlsFailure = RedisTlsFailure.diagnosis(e);
        return tlsFailure != null ? "TLS handshake failed: " + tlsFailure : Errors.rootMessage(e);
    }

    /**
     * Every stream key, or every one matching a SCAN pattern ({@code null}: all), on every primary
     * of a cluster.
     *
     * @throws OpsException when some of a cluster's keys cannot be read now (slots without a
     *     primary, a primary that does not answer): a partial list would pass for the whole one
     *     (status left out a stream, {@code dlq list} counted half a handler's dead letters)
     */
    public List<String> streams(String match) {
        KeyScanArgs args = KeyScanArgs.Builder.type("stream").limit(1000);
        if (match != null) {
            args.match(match);
        }
        text();
        int uncovered = text.slotsWithoutPrimary();
        if (uncovered > 0) {
            throw new OpsException(uncovered + " of " + SlotHash.SLOT_COUNT + " hash slots have no primary in the "
                    + "cluster's view now (a primary failed and no replica of it is promoted yet?): a list of "
                    + "keys would miss theirs; try again once the cluster serves every slot (CLUSTER INFO, "
                    + "cluster_slots_ok)");
        }
        List<String> addresses = text.isCluster() ? text.primaryAddresses() : List.of(where());
        // A key is listed once even when two primaries hold it: while a slot moves, and on a node
        // that kept a copy of a slot it no longer serves (restarted from another node's dump). Each
        // command on the key goes to its slot's primary anyway; listed twice, one dead letter was
        // counted, shown and redriven twice.
        Set<String> keys = new LinkedHashSet<>();
        for (String address : addresses) {
            try {
                RedisClusterCommands<String, String> primary = text.primary(address);
                KeyScanCursor<String> cursor = primary.scan(args);
                while (true) {
                    keys.addAll(cursor.getKeys());
                    if (cursor.isFinished()) {
                        break;
                    }
                    cursor = primary.scan(cursor, args);
                }
            } catch (RedisException e) {
                if (!text.isCluster()) {
                    throw e; // one node: the command's own error, as every other command gives it
                }
                throw new OpsException(
                        "cannot read the keys of the cluster's primary " + address + " (" + Errors.describe(e)
                                + "): a list without them would be incomplete; try again once it answers or "
                                + "its replica is promoted",
                        e);
            }
        }
        return List.copyOf(keys);
    }

    /** The names of the runtime's keys on this Redis. */
    public KeyLayout keys(String deadLetterPrefix) {
        return KeyLayout.of(settings, deadLetterPrefix);
    }

    /** Where Redis is, without credentials. */
    public String where() {
        return settings.redactedUri();
    }

    /**
     * The node this connection landed on and its role, e.g. {@code 10.0.0.7:6379 (master)}: with a
     * sentinel URI, the primary the sentinels named, where every stream lives.
     *
     * <p>A user whose ACL rules forbid {@code CLIENT INFO} or {@code INFO} gets {@code ?} for what it
     * may not ask, not an error: the status it asked for matters more.
     *
     * @throws OpsException when Redis cannot be reached
     */
    public String node() {
        RedisClusterCommands<String, String> redis = text();
        String address = ask(() -> field(redis.clientInfo(), "laddr=", " "));
        String role = ask(() -> field(redis.info("replication"), "role:", "\r"));
        return (address == null ? "?" : address) + " (" + (role == null ? "?" : role) + ")";
    }

    /**
     * The node a stream lives on now, and what the client is following (a failover, a moved slot):
     * on a cluster the primary of its slot, on Sentinel the primary the sentinels named; empty on
     * one node, whose address the URI already says, and when Redis cannot be reached. Connects
     * first, so that the answer is this client's current view.
     */
    public Optional<StreamNode> nodeOf(String stream) {
        if (!settings.cluster() && !settings.sentinel()) {
            return Optional.empty();
        }
        try {
            text();
            Optional<StreamNode> known = opener.nodeOf(stream);
            if (known.isPresent() || !settings.sentinel()) {
                return known;
            }
            // Just after connecting the client may not have delivered its connection event yet: ask.
            String asked = node();
            int paren = asked.indexOf(" (");
            return Optional.of(
                    new StreamNode(asked.substring(0, paren), asked.substring(paren + 2, asked.length() - 1), ""));
        } catch (RuntimeException e) {
            return Optional.empty(); // unreachable now: readiness and status say so elsewhere
        }
    }

    /**
     * The cluster's primaries ({@code host:port}) that did not answer the latest {@link
     * #unanswered}; empty on one node and Sentinel, and when none was asked.
     */
    public List<String> silentPrimaries() {
        return silentPrimaries;
    }

    /**
     * On a cluster, the primary of a stream's slot as this client's view has it now, asking and
     * connecting nothing (readiness asks while a primary does not answer); empty before a
     * connection was made, and on one node and Sentinel.
     */
    public Optional<StreamNode> clusterNodeKnown(String stream) {
        return settings.cluster() && text != null ? opener.nodeOf(stream) : Optional.empty();
    }

    /** Whether this is a Redis Cluster, whose streams lie on different primaries. */
    public boolean clustered() {
        return settings.cluster();
    }

    /**
     * With a sentinel URI, the primary the sentinels named to this client's connection, and the
     * failover it is following, if any; asks Redis nothing (the runtime's ACL user may not ask
     * {@code CLIENT INFO}). Empty for other URIs and before a connection was made.
     */
    public Optional<StreamNode> sentinelPrimaryKnown() {
        // No connect and no question: readiness asks this when Redis did not answer, within a probe.
        return settings.sentinel() && text != null ? opener.nodeOf("") : Optional.empty();
    }

    /**
     * With a sentinel URI, asks each sentinel on its own which node is the primary (joining a round
     * under way, {@link SentinelAnswers}); empty for other URIs. The connections ask them only when
     * they are made: one open on the primary says nothing of whether any sentinel answers now.
     */
    public Optional<CompletableFuture<SentinelAnswers.Round>> askSentinels() {
        return settings.sentinel() ? opener.sentinels().map(SentinelAnswers::ask) : Optional.empty();
    }

    /** What the latest round of {@link #askSentinels} that ended found; empty before one did. */
    public Optional<SentinelAnswers.Round> sentinelsLastAsked() {
        return opener.sentinels().flatMap(SentinelAnswers::last);
    }

    /** As {@link #sentinelPrimaryKnown}, connecting first, and asking the node when the client has not said yet. */
    public Optional<StreamNode> sentinelPrimary() {
        return settings.sentinel() ? nodeOf("") : Optional.empty();
    }

    private static String ask(java.util.function.Supplier<String> question) {
        try {
            return question.get();
        } catch (io.lettuce.core.RedisCommandExecutionException e) {
            return null; // refused (NOPERM) or unknown to this server: not worth failing the status for
        }
    }

    /** The value after {@code name} up to the next {@code end} (a regex), or {@code null}. */
    private static String field(String text, String name, String end) {
        int at = text.indexOf(name);
        if (at < 0) {
            return null;
        }
        return text.substring(at + name.length()).split(end, 2)[0].strip();
    }

    private <K, V> RedisConnection<K, V> connect(io.lettuce.core.codec.RedisCodec<K, V> codec) {
        try {
            return opener.open(codec);
        } catch (RedisException e) {
            String missing = MissingPermission.describe(e);
            if (missing != null) {
                throw new OpsException("Redis at " + settings.redactedUri() + " refused a command: " + missing, e);
            }
            String wrong = RedisMisconfiguration.describe(e);
            if (wrong != null) {
                throw new OpsException("Redis at " + settings.redactedUri() + " answers, but " + wrong, e);
            }
            String tlsFailure = RedisTlsFailure.diagnosis(e);
            if (tlsFailure != null) {
                throw new OpsException(
                        "cannot reach Redis at " + settings.redactedUri() + ": TLS handshake failed: " + tlsFailure, e);
            }
            String plainText = RedisTlsFailure.plainTextHint(settings, e);
            throw new OpsException(
                    "cannot reach Redis at " + settings.redactedUri() + ": "
                            + RedisSettings.redactAll(Errors.messageAndRoot(e))
                            + (plainText == null ? "" : "; " + plainText),
                    e);
        }
    }

    @Override
    public void close() {
        if (text != null) {
            text.close();
        }
        if (bytes != null) {
            bytes.close();
        }
        opener.close();
    }
}
