package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.fixtures.Flag;
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
 * Events handled while Redis is away are acknowledged once it is back: a real Redis with an AOF is
 * stopped and restarted, and each event must reach the handler exactly once.
 */
class AcknowledgementsAcrossRestartIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS =
            new RedisExtension(RedisServer.Options.defaults().withAppendOnly(true));

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    @Test
    void eventsHandledWhileRedisIsDownAreAcknowledgedAfterItsRestartNotHandledAgain() throws Exception {
        // claim-idle well past the outage: an entry still pending after it is taken over and handled again.
        // 60 s, not 10: on a slow machine the outage, the restart and the reconnection backoff may take longer.
        env.start("it-1", Map.of("eventbus.recovery.claim-idle", "60s", "eventbus.recovery.interval", "100ms"));
        Flag release = env.release("release-hold");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ids.add(env.publish(
                    "it-stream", Map.of("type", "it.recorded", "subject", "order-" + i, "hold", release.path())));
        }
        Streams.await("all 30 read and held", WAIT, () -> env.streams().pending("it-stream", "recorder") == 30);

        REDIS.server().stop(); // the pending list is in the AOF
        release.raise();
        Streams.await(
                "all 30 handled while Redis is down", WAIT, () -> env.orders().appliedCount() == 30);
        REDIS.server().restart();

        Streams.await(
                "nothing pending", Duration.ofSeconds(30), () -> env.streams().pending("it-stream", "recorder") == 0);
        Map<String, Long> callsPerEntry = env.orders().calls().stream()
                .collect(Collectors.groupingBy(ReceivedCall::idempotencyKey, Collectors.counting()));
        Map<String, Long> expected = ids.stream().collect(Collectors.toMap(id -> "recorder/it-stream/" + id, id -> 1L));
        assertEquals(expected, callsPerEntry, "each event handled exactly once");
    }
}
