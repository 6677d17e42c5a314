package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.redis.RedisServer;
import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.testkit.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An ordered handler's event whose retry is scheduled keeps the later events of its subject behind
 * that retry when its consumer's pending entries are read again from the start: after a restart
 * (same consumer name), and on the instance a partition moves to (it claims the partition's pending
 * entries, then reads them). Those entries hold their subject's lane without being handled
 * ({@code StreamEntry.Origin.AWAITING_RETRY}); before, they were skipped, so nothing held the lane
 * and the subject's later events, read in the same pass, ran before the retry.
 */
class RetryHoldsItsSubjectIT {

    private static final Duration WAIT = Duration.ofSeconds(40);

    @RegisterExtension
    static final RedisExtension REDIS =
            new RedisExtension(RedisServer.Options.defaults().withAppendOnly(true));

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final HandlerCalls calls = new HandlerCalls();

    @Test
    void aRestartKeepsEachSubjectsLaterEventsBehindTheRetryOfItsFailedFirstEvent() throws Exception {
        Map<String, Object> settings = Map.ofEntries(
                Map.entry("eventbus.handlers.recorder.ordered-by-subject", true),
                // Due well after the restart: the new start reads the pending entries before it.
                Map.entry("eventbus.handlers.recorder.retry.backoff.initial", "6s"),
                Map.entry("eventbus.handlers.recorder.retry.backoff.jitter", 0),
                Map.entry("eventbus.recovery.retry-poll-interval", "100ms"),
                Map.entry("eventbus.recovery.interval", "1s"),
                Map.entry("eventbus.consumer.shutdown-grace", "1s"),
                Map.entry("eventbus.consumer.block", "200ms"));
        EventbusRuntime first = env.start("it-1", settings, calls.observer("before-restart"));
        int subjects = 8;
        String retries = HeldSubjectsHandover.holdSubjects(env, first, subjects, WAIT);
        first.stop(); // the waiting events stay pending, unstarted

        env.start("it-1", settings, calls.observer("after-restart"));
        Streams.await(
                "every event handled, nothing pending, no retry scheduled",
                WAIT,
                () -> distinctHandled() == 4 * subjects
                        && env.streams().pending("it-stream", "recorder") == 0
                        && env.streams().redis().zcard(retries) == 0);
        assertTrue(
                calls.stream().allMatch(c -> c.instance().equals("after-restart")),
                "the restart came before any retry was due: nothing was handled before it");
        assertEquals(List.of(), calls.outOfOrder(), "each subject's events handled in stream order");
    }

    @Test
    void theNewOwnerOfAPartitionKeepsEachSubjectsLaterEventsBehindTheRetryOfItsFailedFirstEvent() throws Exception {
        HeldSubjectsHandover.run(env, calls, REDIS.uri(), WAIT);
        assertEquals(List.of(), calls.outOfOrder(), "each subject's events handled in stream order");
    }

    private long distinctHandled() {
        return calls.stream().map(c -> c.subject() + "#" + c.seq()).distinct().count();
    }
}
