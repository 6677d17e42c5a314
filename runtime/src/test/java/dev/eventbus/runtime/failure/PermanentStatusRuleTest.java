package dev.eventbus.runtime.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.api.PermanentStatusCodes;
import dev.eventbus.api.RetriableEventException;
import dev.eventbus.runtime.config.RetrySettings;
import dev.eventbus.runtime.stream.DeadLetterReason;
import dev.eventbus.testkit.HandlerHarness;
import dev.eventbus.testkit.Outcome;
import dev.eventbus.testkit.TestEvents;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Ties the runtime's retry/dead-letter rule to the one a plugin author tests with: for every gRPC
 * code, bare or wrapped, {@link FailureClassifier} and the test kit's {@link HandlerHarness} must
 * agree on "dead-letter now" versus "retry", so a handler's unit test cannot promise an outcome
 * the runtime does not keep.
 */
class PermanentStatusRuleTest {

    @Test
    void theRuntimeReadsThePluginApisList() {
        assertSame(PermanentStatusCodes.CODES, FailureClassifier.PERMANENT);
    }

    private static List<Throwable> failures() {
        List<Throwable> failures = new ArrayList<>();
        for (Status.Code code : Status.Code.values()) {
            if (code == Status.Code.OK) {
                continue;
            }
            Status status = Status.fromCode(code);
            failures.add(status.asRuntimeException());
            failures.add(new RuntimeException("wrapped", status.asException()));
            failures.add(new RetriableEventException("the author says retry", status.asRuntimeException()));
            failures.add(new NonRetriableEventException("the author says never", status.asRuntimeException()));
        }
        failures.add(new IllegalStateException("no typed signal"));
        return failures;
    }

    @Test
    void runtimeAndHarnessAgreeOnEveryFailure() {
        for (Throwable failure : failures()) {
            boolean runtimeDeadLetters = FailureClassifier.permanentReason(failure) != null;
            HandlerHarness harness = HandlerHarness.of(new ThrowingHandler(failure));
            Outcome.Kind harnessSays =
                    harness.deliver(TestEvents.event("t").stream("s").build()).kind();
            assertEquals(
                    runtimeDeadLetters ? Outcome.Kind.DEAD_LETTER : Outcome.Kind.RETRY,
                    harnessSays,
                    "runtime and test kit disagree on " + failure + " caused by " + failure.getCause());
        }
    }

    /**
     * On the last attempt ({@code retry.max-attempts}, the runtime's default in both) the runtime's
     * policy gives up on what it would otherwise retry, except a service that was down; the test
     * kit must say the same, with the same dead-letter reason.
     */
    @Test
    void runtimeAndHarnessAgreeOnTheLastAttemptAndTheReason() {
        int last = HandlerHarness.DEFAULT_MAX_ATTEMPTS;
        RetrySettings settings =
                new RetrySettings(last, Duration.ofDays(1), Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), 0.2);
        for (Throwable failure : failures()) {
            RetryPolicy.Decision runtime =
                    new ExponentialBackoffRetryPolicy(settings, () -> 0.5).decide(last, 0, Duration.ZERO, failure);
            Outcome harness = HandlerHarness.of(new ThrowingHandler(failure))
                    .deliver(TestEvents.event("t").stream("s").attempt(last).build());
            String on = failure + " caused by " + failure.getCause();
            if (runtime instanceof RetryPolicy.GiveUp giveUp) {
                assertEquals(Outcome.Kind.DEAD_LETTER, harness.kind(), on);
                assertEquals(giveUp.reason().wireName(), harness.reason(), on);
            } else {
                assertEquals(Outcome.Kind.RETRY, harness.kind(), on);
            }
        }
    }

    /** A handler past its timeout: the runtime dead-letters it as {@code timeout} once attempts are used up. */
    @Test
    void aTimeoutIsDeadLetteredAsTimeoutInBoth() {
        assertEquals(
                DeadLetterReason.TIMEOUT,
                FailureClassifier.reasonWhenExhausted(
                        new HandlerTimeoutException(Duration.ofMillis(100), false, new InterruptedException())));
        Outcome harness = HandlerHarness.of(new SleepingHandler())
                .timeout(Duration.ofMillis(100))
                .deliver(TestEvents.event("t").stream("s")
                        .attempt(HandlerHarness.DEFAULT_MAX_ATTEMPTS)
                        .build());
        assertEquals(Outcome.Kind.DEAD_LETTER, harness.kind(), harness::toString);
        assertEquals(DeadLetterReason.TIMEOUT.wireName(), harness.reason());
    }

    /** The test kit's defaults are the runtime's reference.conf's. */
    @Test
    void theHarnessDefaultsAreTheRuntimes() {
        Config defaults = ConfigFactory.defaultReference().getConfig("eventbus.handler-defaults");
        assertEquals(defaults.getDuration("timeout"), HandlerHarness.DEFAULT_TIMEOUT);
        assertEquals(defaults.getDuration("abandon-after"), HandlerHarness.DEFAULT_ABANDON_AFTER);
        assertEquals(defaults.getInt("retry.max-attempts"), HandlerHarness.DEFAULT_MAX_ATTEMPTS);
    }

    private static final class SleepingHandler implements EventHandler {
        @Override
        public HandlerSpec spec() {
            return HandlerSpec.named("sleeper").consumes("s", "t");
        }

        @Override
        public void handle(Event event, HandlerContext context) throws InterruptedException {
            Thread.sleep(600_000);
        }
    }

    private record ThrowingHandler(Throwable failure) implements EventHandler {
        @Override
        public HandlerSpec spec() {
            return HandlerSpec.named("thrower").consumes("s", "t");
        }

        @Override
        public void handle(Event event, HandlerContext context) throws Exception {
            throw (Exception) failure;
        }
    }
}
