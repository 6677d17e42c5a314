package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * README, {@code consumer.ack-limit}: when Redis falls behind confirming a subscription's
 * acknowledgements, the subscription takes no more entries once that many are unconfirmed, so the
 * events handled but not acknowledged (each a duplicate after a crash) stay bounded by about the
 * limit plus max-in-flight plus read-ahead. Here a proxy holds the connection the XACKs go on
 * (the reader's own connection flows): the handled count must stop at that bound, and every event
 * is handled exactly once and acknowledged after the proxy lets go.
 */
class AckLimitIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int ACK_LIMIT = 100;
    private static final int MAX_IN_FLIGHT = 10;
    private static final int READ_AHEAD = 20;
    private static final int BACKLOG = 1_000;

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    @Test
    void handledButUnacknowledgedEventsStopAtTheLimitAndAllAreAcknowledgedOnceRedisConfirms() throws Exception {
        try (HoldingProxy proxy = new HoldingProxy(REDIS.server().port())) {
            env.start(
                    "it-1",
                    Map.of(
                            "eventbus.redis.uri",
                            proxy.uri(),
                            "eventbus.consumer.ack-limit",
                            ACK_LIMIT,
                            "eventbus.consumer.ack-batch-size",
                            10,
                            "eventbus.consumer.read-ahead",
                            READ_AHEAD,
                            "eventbus.handlers.recorder.max-in-flight",
                            MAX_IN_FLIGHT,
                            "eventbus.consumer.block",
                            "100ms"));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ids.add(publish(i));
            }
            Streams.await(
                    "the first 20 handled and acknowledged",
                    WAIT,
                    () -> env.orders().appliedCount() == 20 && env.streams().pending("it-stream", "recorder") == 0);

            proxy.holdConnectionsSending("XACK");
            for (int i = 20; i < 20 + BACKLOG; i++) {
                ids.add(publish(i));
            }
            Streams.await("an XACK held", WAIT, () -> proxy.heldConnections() >= 1);
            // Up to the limit first (a slow machine's pause must not pass for the reader stopping),
            // then the handled count comes to rest: unchanged over 2 s, with a backlog left.
            Streams.await(
                    "as many handled as the ack limit", WAIT, () -> env.orders().appliedCount() - 20 >= ACK_LIMIT);
            long deadline = System.nanoTime() + WAIT.toNanos();
            long before;
            long after = env.orders().appliedCount();
            do {
                before = after;
                Thread.sleep(2_000);
                after = env.orders().appliedCount();
            } while (after != before && System.nanoTime() < deadline);
            assertEquals(before, after, "the handled count did not come to rest while the XACKs were held");
            long handledWhileHeld = after - 20;
            System.out.println("ACK-LIMIT: " + handledWhileHeld + " handled while the XACKs were held (limit "
                    + ACK_LIMIT + ", max-in-flight " + MAX_IN_FLIGHT + ", read-ahead " + READ_AHEAD + ")");
            assertTrue(
                    handledWhileHeld <= ACK_LIMIT + MAX_IN_FLIGHT + READ_AHEAD,
                    handledWhileHeld + " handled with their acknowledgements unconfirmed: past the limit plus the "
                            + "entries in hand");

            proxy.release();
            Streams.await(
                    "all handled and nothing pending",
                    WAIT,
                    () -> env.orders().appliedCount() == ids.size()
                            && env.streams().pending("it-stream", "recorder") == 0);
            Map<String, Long> callsPerEntry = env.orders().calls().stream()
                    .collect(Collectors.groupingBy(ReceivedCall::idempotencyKey, Collectors.counting()));
            Map<String, Long> once = ids.stream().collect(Collectors.toMap(id -> "recorder/it-stream/" + id, id -> 1L));
            assertEquals(once, callsPerEntry, "each event handled exactly once");
        }
    }

    private String publish(int i) {
        return env.publish("it-stream", Map.of("type", "it.recorded", "subject", "order-" + i));
    }
}
