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
 * Stopping an ordered subscription whose events wait in their subjects' lanes behind a scheduled
 * retry (a long back-off) does not wait the shutdown grace (20 s here) for them: nothing runs, and
 * as the stopping subscription polls no retries, nothing could. They stay pending, in order, for the
 * next start or the partition's next owner. Before, they counted as in flight and the stop took the
 * whole grace (found from outside: SIGTERM took 20.1 s for 10 such events); so did a handover.
 */
class HeldEventsStopIT {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String GRACE = "20s";
    /** Well under the grace, and under the back-off: a stop that waited for the held events is far over it. */
    private static final Duration PROMPT = Duration.ofSeconds(6);

    @RegisterExtension
    static final RedisExtension REDIS =
            new RedisExtension(RedisServer.Options.defaults().withAppendOnly(true));

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS).withRecorder();

    private final HandlerCalls calls = new HandlerCalls();

    @Test
    void aStopDoesNotWaitTheGraceForEventsHeldBehindARetryWhichStayPendingAndRunInOrderAfterTheRestart()
            throws Exception {
        Map<String, Object> settings = Map.ofEntries(
                Map.entry("eventbus.handlers.recorder.ordered-by-subject", true),
                // Due well after the stop: the stopping subscription polls no retries.
                Map.entry("eventbus.handlers.recorder.retry.backoff.initial", "10s"),
                Map.entry("eventbus.handlers.recorder.retry.backoff.jitter", 0),
                Map.entry("eventbus.recovery.retry-poll-interval", "100ms"),
                Map.entry("eventbus.recovery.interval", "1s"),
                Map.entry("eventbus.consumer.shutdown-grace", GRACE),
                Map.entry("eventbus.consumer.block", "200ms"));
        EventbusRuntime first = env.start("it-1", settings, calls.observer("before-restart"));
        int subjects = 8;
        String retries = HeldSubjectsHandover.holdSubjects(env, first, subjects, WAIT);

        long t = System.nanoTime();
        first.stop();
        Duration stop = Duration.ofNanos(System.nanoTime() - t);
        System.out.printf("held events: the stop took %d ms (grace %s)%n", stop.toMillis(), GRACE);

        assertTrue(
                stop.compareTo(PROMPT) < 0,
                "the stop took " + stop.toMillis() + " ms with a " + GRACE + " grace: it waited for events that "
                        + "could not run");
        assertEquals(4 * subjects, env.streams().pending("it-stream", "recorder"), "every event still pending");
        assertEquals(subjects, env.streams().redis().zcard(retries), "each first event's retry still scheduled");
        assertEquals(0, calls.stream().count(), "nothing handled before the stop: no retry was due");

        env.start("it-1", settings, calls.observer("after-restart"));
        Streams.await(
                "every event handled, nothing pending, no retry scheduled",
                WAIT,
                () -> HeldSubjectsHandover.distinctHandled(calls) == 4 * subjects
                        && env.streams().pending("it-stream", "recorder") == 0
                        && env.streams().redis().zcard(retries) == 0);
        assertEquals(List.of(), calls.outOfOrder(), "each subject's events handled in stream order");
        assertEquals(4L * subjects, calls.stream().count(), "each event handled once");
    }

    @Test
    void aHandoverDoesNotWaitTheGraceForEventsHeldBehindARetryWhichTheNewOwnerRunsInOrder() throws Exception {
        HeldSubjectsHandover.Owners owners = HeldSubjectsHandover.run(
                env,
                calls,
                REDIS.uri(),
                WAIT,
                Map.of(
                        "eventbus.consumer.shutdown-grace",
                        GRACE,
                        "eventbus.handlers.recorder.retry.backoff.initial",
                        "10s"));

        System.out.printf("held events: the handover took %d ms (grace %s)%n", owners.handoverMillis(), GRACE);
        assertTrue(
                owners.handoverMillis() < PROMPT.toMillis(),
                "the handover took " + owners.handoverMillis() + " ms with a " + GRACE + " grace: the old owner "
                        + "waited for events that could not run");
        assertEquals(List.of(), calls.outOfOrder(), "each subject's events handled in stream order");
        assertEquals(
                4L * HeldSubjectsHandover.SUBJECTS, calls.stream().count(), "each event handled once, by one owner");
    }
}
