package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class InProcessGrpcTest {

    @RegisterExtension
    final InProcessGrpc grpc = InProcessGrpc.start(EchoService.service());

    @Test
    void servesRealCalls() {
        assertEquals("echo hi", EchoService.say(grpc.channel(), "hi"));
        StatusRuntimeException e =
                assertThrows(StatusRuntimeException.class, () -> EchoService.say(grpc.channel(), "fail:NOT_FOUND"));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void namesAreUnique() {
        try (InProcessGrpc other = InProcessGrpc.start(EchoService.service())) {
            assertNotEquals(grpc.name(), other.name());
            assertEquals("echo x", EchoService.say(other.channel(), "x"));
        }
    }

    @Test
    void closeShutsDownChannelAndServer() {
        InProcessGrpc own = InProcessGrpc.start(EchoService.service());
        own.close();
        assertTrue(own.channel().isTerminated());
        assertTrue(own.server().isTerminated());
        assertThrows(StatusRuntimeException.class, () -> EchoService.say(own.channel(), "late"));
        own.close(); // idempotent
    }

    @Test
    void instanceRegistrationClosesAfterEachTest() {
        InProcessGrpc own = InProcessGrpc.start(EchoService.service());
        own.afterEach(null);
        assertTrue(own.server().isShutdown());
    }

    @Test
    void staticRegistrationClosesAfterTheClass() {
        InProcessGrpc own = InProcessGrpc.start(EchoService.service());
        own.beforeAll(null);
        own.afterEach(null);
        assertFalse(own.server().isShutdown());
        assertEquals("echo still", EchoService.say(own.channel(), "still"));
        own.afterAll(null);
        assertTrue(own.server().isShutdown());
    }
}
