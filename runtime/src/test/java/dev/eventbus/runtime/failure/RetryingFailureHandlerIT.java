package dev.eventbus.runtime.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.api.Event;
import dev.eventbus.runtime.config.RetrySettings;
import dev.eventbus.runtime.dispatch.ManualDispatch;
import dev.eventbus.runtime.stream.DeliveryObserver;
import dev.eventbus.runtime.stream.SingleNodeKeys;
import dev.eventbus.runtime.stream.StreamEntry;
import dev.eventbus.runtime.stream.Subscription;
import dev.eventbus.testkit.RedisExtension;
import io.grpc.Status;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The failure handler against a real Redis: deliveries that failed only because a service was
 * down are recorded beside the retry and not counted against {@code retry.max-attempts} (their
 * waits still grow, as any retry's), so after an outage an event still gets its real tries, each
 * with the backoff of its own attempt.
 */
class RetryingFailureHandlerIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final String ID = "1796672124325-0";
    private static final RetrySettings RETRY =
            new RetrySettings(2, Duration.ofHours(1), Duration.ofMillis(200), 2.0, Duration.ofMinutes(5), 0.0);

    private final Subscription sub = ManualDispatch.subscription();
    private final List<DeadLetter> deadLetters = new CopyOnWriteArrayList<>();
    private final List<Duration> retries = new CopyOnWriteArrayList<>();
    private RedisClient client;
    private StatefulRedisConnection<byte[], byte[]> connection;
    private RetryingFailureHandler handler;

    @BeforeEach
    void setUp() {
        REDIS.command("FLUSHALL");
        client = RedisClient.create(REDIS.uri());
        connection = client.connect(ByteArrayCodec.INSTANCE);
        var store = new RetryStore(connection.async(), new SingleNodeKeys("dlq:"));
        DeadLetterSink sink = (s, letter, done) -> {
            deadLetters.add(letter);
            done.done(true);
        };
        DeliveryObserver observer = new DeliveryObserver() {
            @Override
            public void retryScheduled(Subscription s, StreamEntry entry, Duration delay) {
                retries.add(delay);
            }
        };
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1796672124325L + 1000), ZoneOffset.UTC);
        handler = new RetryingFailureHandler(
                name -> new ExponentialBackoffRetryPolicy(RETRY, () -> 0.5), store, sink, observer, clock);
    }

    @AfterEach
    void tearDown() {
        connection.close();
        client.shutdown();
    }

    /** Delivery {@code delivery} of the entry fails with {@code error}; true once its outcome is final. */
    private boolean fail(int delivery, Throwable error) throws Exception {
        StreamEntry entry = new StreamEntry(sub.stream(), ID, Map.of(), delivery, StreamEntry.Origin.RETRY);
        Event event =
                new Event(sub.stream(), ID, delivery, ID, "paid", null, null, null, null, null, new byte[0], Map.of());
        CompletableFuture<Boolean> resolved = new CompletableFuture<>();
        handler.onFailure(sub, entry, event, error, resolved::complete);
        return resolved.get(5, TimeUnit.SECONDS);
    }

    @Test
    void anOutageCostsNoAttemptsAndTheNextRealTryHasItsOwnBackoff() throws Exception {
        for (int delivery = 1; delivery <= 8; delivery++) {
            assertEquals(
                    false,
                    fail(
                            delivery,
                            Status.UNAVAILABLE.withDescription("TLS handshake").asRuntimeException()));
        }
        assertEquals(List.of(), deadLetters, "waiting for a service that is down is not an attempt");
        assertEquals(
                List.of(200L, 400L, 800L, 1_600L, 3_200L, 6_400L, 12_800L, 25_600L),
                retries.stream().map(Duration::toMillis).toList(),
                "the waits while down grow as any retry's (with the circuit breaker off, each one is a call)");

        // The service answers again, with a real failure: that is attempt 1 of 2, retried.
        assertEquals(false, fail(9, Status.UNAUTHENTICATED.asRuntimeException()));
        assertEquals(List.of(), deadLetters, "the first real failure after the outage is retried");
        assertEquals(Duration.ofMillis(200), retries.get(retries.size() - 1));

        assertEquals(true, fail(10, Status.UNAUTHENTICATED.asRuntimeException()));
        assertEquals(1, deadLetters.size());
        assertEquals(10, deadLetters.get(0).attempts(), "the dead letter's attempts are its deliveries");
        assertTrue(
                deadLetters.get(0).detail().contains("failed 2 time(s)"),
                deadLetters.get(0).detail());
    }

    @Test
    void aRealFailureBetweenOutagesStillCounts() throws Exception {
        assertEquals(false, fail(1, Status.UNAUTHENTICATED.asRuntimeException()));
        assertEquals(false, fail(2, Status.UNAVAILABLE.asRuntimeException()));
        assertEquals(false, fail(3, Status.UNAVAILABLE.asRuntimeException()));
        assertEquals(
                Duration.ofMillis(800),
                retries.get(retries.size() - 1),
                "attempt 2 after one earlier service-down failure, while down: the wait of delivery 3");
        assertEquals(true, fail(4, Status.UNAUTHENTICATED.asRuntimeException()), "attempt 2 of 2");
    }

    /**
     * Found by review: the decision runs on the retry record's callback, where an exception (a
     * policy or config lookup that throws) only completed a future nobody read, and the entry's
     * slot stayed taken for good. Now it is logged and the entry left pending (resolved false).
     */
    @Test
    void aDecisionThatThrowsLeavesTheEntryPendingInsteadOfHoldingItsSlot() throws Exception {
        var store = new RetryStore(connection.async(), new SingleNodeKeys("dlq:"));
        handler = new RetryingFailureHandler(
                name -> {
                    throw new IllegalStateException("no retry settings for " + name);
                },
                store,
                (s, letter, done) -> done.done(true),
                new DeliveryObserver() {},
                Clock.systemUTC());
        assertEquals(false, fail(1, new RuntimeException("boom")), "the first delivery (no record read)");
        assertEquals(false, fail(2, new RuntimeException("boom")), "a later one (its record read first)");
    }
}
