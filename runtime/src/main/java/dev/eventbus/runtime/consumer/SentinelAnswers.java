package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.internal.Errors;
import dev.eventbus.runtime.internal.HostPort;
import dev.eventbus.runtime.internal.SentinelSilence;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Asks each sentinel of a sentinel URI on its own, side by side, which node is the primary.
 * Lettuce asks them in turn only when it makes a connection, and says which did not answer only in
 * WARN lines of its own (not logged: see logback.xml); a connection open on the primary asks them
 * nothing, so with every sentinel down the runtime went on saying "the primary the sentinels name"
 * (found from outside). Start-up names the sentinels that do not answer; readiness says whether any
 * does. Each question opens a connection to its sentinel and closes it.
 *
 * <p>Thread-safe.
 */
public final class SentinelAnswers {

    /**
     * What one round of questions found.
     *
     * @param silent each sentinel that did not answer ({@code host:port}) and why, in the URI's order
     * @param asked how many were asked
     */
    public record Round(Map<String, String> silent, int asked) {

        /** Whether no sentinel answered. */
        public boolean noneAnswers() {
            return asked > 0 && silent.size() >= asked;
        }

        /** Which did not answer and why ({@link SentinelSilence#text}); empty when all did. */
        public String text() {
            return SentinelSilence.text(silent, asked);
        }
    }

    private final RedisClient client;
    private final RedisURI uri;
    private final Duration timeout;
    private CompletableFuture<Round> round;
    private volatile Round last;

    /** @param timeout how long one sentinel may take to connect and answer */
    SentinelAnswers(RedisClient client, RedisURI uri, Duration timeout) {
        this.client = client;
        this.uri = uri;
        this.timeout = timeout;
    }

    /** Asks every sentinel, or joins the round under way. Never completes exceptionally. */
    public synchronized CompletableFuture<Round> ask() {
        if (round != null && !round.isDone()) {
            return round;
        }
        Map<String, CompletableFuture<String>> answers = new LinkedHashMap<>();
        for (RedisURI sentinel : uri.getSentinels()) {
            answers.put(HostPort.of(sentinel.getHost(), sentinel.getPort()), whyNot(sentinel));
        }
        round = CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new))
                .thenApply(done -> {
                    Map<String, String> silent = new LinkedHashMap<>();
                    answers.forEach((sentinel, why) -> {
                        if (why.join() != null) {
                            silent.put(sentinel, why.join());
                        }
                    });
                    Round found = new Round(Collections.unmodifiableMap(silent), answers.size());
                    last = found;
                    return found;
                });
        return round;
    }

    /** What the latest round that ended found; empty before one ended. */
    public Optional<Round> last() {
        return Optional.ofNullable(last);
    }

    /** Why the sentinel did not name the primary, or {@code null} when it did. Never completes exceptionally. */
    private CompletableFuture<String> whyNot(RedisURI sentinel) {
        String master = uri.getSentinelMasterId();
        try {
            return client.connectSentinelAsync(StringCodec.UTF8, sentinel)
                    .thenCompose(connection -> connection
                            .async()
                            .getMasterAddrByName(master)
                            .toCompletableFuture()
                            .whenComplete((address, e) -> connection.closeAsync()))
                    .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .handle((address, e) -> e != null
                            ? Errors.hasCause(e, TimeoutException.class)
                                    ? "no answer within " + timeout.toMillis() + " ms"
                                    : Errors.rootMessage(e)
                            : address == null ? "monitors no master named '" + master + "'" : null);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(Errors.rootMessage(e));
        }
    }
}
