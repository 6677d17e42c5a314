package dev.eventbus.runtime.failure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.eventbus.api.NonRetriableEventException;
import dev.eventbus.api.RetriableEventException;
import dev.eventbus.runtime.stream.DeadLetterReason;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

class FailureClassifierTest {

    @Test
    void nonRetriableIsHandlerError() {
        assertEquals(
                DeadLetterReason.HANDLER_ERROR,
                FailureClassifier.permanentReason(new NonRetriableEventException("bad")));
    }

    @Test
    void retriableAndUnknownAreRetried() {
        assertNull(FailureClassifier.permanentReason(new RetriableEventException("later")));
        assertNull(FailureClassifier.permanentReason(new IllegalStateException("?")));
    }

    @Test
    void permanentGrpcCodesAreDeadLettered() {
        for (Status s : new Status[] {
            Status.INVALID_ARGUMENT,
            Status.NOT_FOUND,
            Status.FAILED_PRECONDITION,
            Status.PERMISSION_DENIED,
            Status.UNIMPLEMENTED,
            Status.OUT_OF_RANGE
        }) {
            assertEquals(
                    DeadLetterReason.RPC_STATUS,
                    FailureClassifier.permanentReason(s.asRuntimeException()),
                    s.toString());
        }
    }

    @Test
    void transientGrpcCodesAreRetried() {
        for (Status s : new Status[] {
            Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.RESOURCE_EXHAUSTED, Status.ABORTED, Status.INTERNAL
        }) {
            assertNull(FailureClassifier.permanentReason(s.asRuntimeException()), s.toString());
        }
    }

    @Test
    void wrappedStatusIsFound() {
        assertEquals(
                DeadLetterReason.RPC_STATUS,
                FailureClassifier.permanentReason(new RuntimeException("wrapped", Status.NOT_FOUND.asException())));
    }

    @Test
    void nearestTypedSignalWins() {
        assertNull(FailureClassifier.permanentReason(
                new RetriableEventException("try again", Status.NOT_FOUND.asRuntimeException())));
    }
}
