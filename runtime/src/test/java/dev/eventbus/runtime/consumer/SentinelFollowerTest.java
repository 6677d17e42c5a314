package dev.eventbus.runtime.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * When a command timed out, the follower asks the sentinels, at most once a second, and moves the
 * connections only when they name another node than the one the connections are on.
 */
class SentinelFollowerTest {

    private final AtomicInteger asked = new AtomicInteger();
    private final AtomicInteger moved = new AtomicInteger();
    private final AtomicReference<Object> sentinelsName = new AtomicReference<>(at(6379));
    private long now = 1_000_000_000L;

    private final SentinelFollower follower = new SentinelFollower(
            () -> {
                asked.incrementAndGet();
                Object answer = sentinelsName.get();
                if (answer instanceof Exception e) {
                    throw e;
                }
                return (SocketAddress) answer;
            },
            "orders",
            () -> Optional.of("127.0.0.1:6379"),
            moved::incrementAndGet,
            Runnable::run,
            () -> now,
            true);

    private static SocketAddress at(int port) {
        return InetSocketAddress.createUnresolved("127.0.0.1", port);
    }

    private void later(Duration d) {
        now += d.toNanos();
    }

    @Test
    void whileTheSentinelsStillNameTheFrozenNodeNothingIsDropped() {
        follower.commandTimedOut();
        assertEquals(1, asked.get());
        assertEquals(0, moved.get(), "a reconnect would only go back to the same node");
    }

    @Test
    void onceTheyNameAnotherNodeTheConnectionsMove() {
        follower.commandTimedOut();
        sentinelsName.set(at(6380));
        later(SentinelFollower.SPACING);
        follower.commandTimedOut();
        assertEquals(2, asked.get());
        assertEquals(1, moved.get());
    }

    @Test
    void theSentinelsAreAskedAtMostOnceASecond() {
        for (int i = 0; i < 10; i++) {
            follower.commandTimedOut();
            later(Duration.ofMillis(90));
        }
        assertEquals(1, asked.get(), "ten timeouts within 0.9 s");
        later(Duration.ofMillis(100));
        follower.commandTimedOut();
        assertEquals(2, asked.get());
    }

    @Test
    void noAnswerMovesNothingAndTheNextTimeoutAsksAgain() {
        sentinelsName.set(new IllegalStateException("no sentinel answered"));
        follower.commandTimedOut();
        assertEquals(0, moved.get());
        sentinelsName.set(at(6380));
        later(SentinelFollower.SPACING);
        follower.commandTimedOut();
        assertEquals(1, moved.get());
    }
}
