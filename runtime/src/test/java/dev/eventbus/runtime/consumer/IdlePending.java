package dev.eventbus.runtime.consumer;

import dev.eventbus.runtime.stream.Subscription;
import io.lettuce.core.Consumer;
import io.lettuce.core.XClaimArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Test set-up: an entry pending for a consumer that stopped, idle as long as the test needs. */
final class IdlePending {

    private IdlePending() {}

    /**
     * Makes the entry, pending for {@code consumer}, look idle for {@code idle}: XCLAIM's IDLE sets
     * the idle time Redis reports, so no test has to wait out claim-idle.
     */
    static void make(RedisCommands<byte[], byte[]> redis, Subscription sub, String consumer, Duration idle, String id) {
        redis.xclaim(
                bytes(sub.stream()),
                Consumer.from(bytes(sub.group()), bytes(consumer)),
                XClaimArgs.Builder.minIdleTime(0).idle(idle).justid(),
                id);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
