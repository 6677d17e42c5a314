package dev.eventbus.runtime.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.api.PermanentStatusCodes;
import dev.eventbus.api.RetriableEventException;
import dev.eventbus.testkit.HandlerHarness;
import dev.eventbus.testkit.Outcome;
import dev.eventbus.testkit.TestEvents;
import io.grpc.Status;
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

    @Test
    void runtimeAndHarnessAgreeOnEveryFailure() {
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
        for (Throwable failure : failures) {
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
