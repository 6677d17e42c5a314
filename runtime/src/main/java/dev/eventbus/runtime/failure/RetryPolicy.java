package dev.eventbus.runtime.failure;

import dev.eventbus.runtime.stream.DeadLetterReason;
import java.time.Duration;

/** Decides, after a failure, whether an event is tried again (and when) or dead-lettered. */
public interface RetryPolicy {

    /** What to do with a failed event. */
    sealed interface Decision permits Retry, GiveUp {}

    /**
     * Try again after {@code delay}; {@code counted} false when the failure only said a service is
     * down, which does not count against {@code retry.max-attempts}.
     */
    record Retry(Duration delay, boolean counted) implements Decision {}

    /** Stop: dead-letter with {@code reason}; {@code why} explains it to operators. */
    record GiveUp(DeadLetterReason reason, String why) implements Decision {}

    /**
     * @param attempt the delivery that just failed, from 1, not counting the earlier deliveries
     *     that failed only because a service was down
     * @param waited those earlier deliveries that failed only because a service was down
     * @param age how long ago the entry was appended
     * @param error the failure
     */
    Decision decide(int attempt, int waited, Duration age, Throwable error);
}
