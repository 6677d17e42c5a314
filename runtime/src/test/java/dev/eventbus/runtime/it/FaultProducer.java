package dev.eventbus.runtime.it;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Publishes one event at a time while a fault happens, each with its own subject, each followed by
 * {@code WAIT replicas} on the same connection, and tells a {@link DeliveryOracle} what it
 * produced and confirmed. After an error it connects again to the URI {@code target} names then
 * (the primary the cluster or the sentinels name now). A failed event is not retried: its subject
 * would get a second entry.
 */
final class FaultProducer implements AutoCloseable {

    private final String stream;
    private final Supplier<String> target;
    private final DeliveryOracle oracle;
    private final IntFunction<Map<String, String>> headers;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger next = new AtomicInteger();
    private final Thread thread;
    private volatile int replicas;
    private RedisClient client;

    /**
     * @param target the URI to (re)connect to, asked on each connect; a sentinel URI's
     *     {@code #master} stays last (the command timeout goes before it)
     * @param replicas how many replicas must acknowledge an event for it to be confirmed
     */
    FaultProducer(String stream, Supplier<String> target, int replicas, DeliveryOracle oracle) {
        this(stream, target, replicas, oracle, n -> Map.of());
    }

    /** @param headers further fields of the n-th event (e.g. {@code fail} for the test handler) */
    FaultProducer(
            String stream,
            Supplier<String> target,
            int replicas,
            DeliveryOracle oracle,
            IntFunction<Map<String, String>> headers) {
        this.stream = stream;
        this.target = target;
        this.replicas = replicas;
        this.oracle = oracle;
        this.headers = headers;
        this.thread = new Thread(this::run, "fault-producer");
    }

    FaultProducer start() {
        thread.start();
        return this;
    }

    /** From now on, confirmed means acknowledged by this many replicas (0: a promoted node alone). */
    void replicas(int replicas) {
        this.replicas = replicas;
    }

    /**
     * After a failover: the promoted node has no replica left, so from here on acknowledged by it is
     * the promise. Publishes on until {@code more} further events are confirmed there, then stops.
     */
    void finishOnPromoted(int more, Duration within) throws InterruptedException {
        replicas(0);
        int confirmedAtFailover = oracle.confirmedCount();
        Streams.await(
                more + " more events confirmed on the new primary",
                within,
                () -> oracle.confirmedCount() >= confirmedAtFailover + more);
        close();
    }

    private void run() {
        StatefulRedisConnection<String, String> connection = null;
        while (!stop.get()) {
            try {
                if (connection == null) {
                    closeClient();
                    String uri = target.get();
                    client = RedisClient.create(
                            uri.contains("#") ? uri.replace("#", "?timeout=2s#") : uri + "?timeout=2s");
                    connection = client.connect();
                }
                RedisCommands<String, String> redis = connection.sync();
                int n = next.getAndIncrement();
                String subject = "ev-" + n;
                Map<String, String> fields = new HashMap<>(headers.apply(n));
                fields.put("type", "it.recorded");
                fields.put("subject", subject);
                redis.xadd(stream, fields);
                oracle.produced(subject);
                int required = replicas;
                if (required == 0 || redis.waitForReplication(required, 2000) >= required) {
                    oracle.confirmed(subject);
                }
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // Node gone, not yet replaced, slot moved, connection killed: not confirmed; ask again.
                connection = null;
                pause();
            }
        }
        closeClient();
    }

    private void closeClient() {
        if (client != null) {
            client.shutdown();
            client = null;
        }
    }

    private static void pause() {
        try {
            Thread.sleep(100); // between reconnect attempts, not a synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops producing and waits for the thread; idempotent. */
    @Override
    public void close() {
        stop.set(true);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
