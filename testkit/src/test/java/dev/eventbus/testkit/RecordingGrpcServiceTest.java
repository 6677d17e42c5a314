package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingGrpcServiceTest {

    private final RecordingGrpcService echo = RecordingGrpcService.of(EchoService.DESCRIPTOR);

    @Test
    void answersAsScriptedAndTheLastAnswerRepeats() {
        echo.on(EchoService.SAY)
                .fail(Status.UNAVAILABLE)
                .fail(Status.INVALID_ARGUMENT)
                .reply("ok");
        try (InProcessGrpc server = InProcessGrpc.start(echo)) {
            assertEquals(Status.Code.UNAVAILABLE, failure(() -> EchoService.say(server.channel(), "a")));
            assertEquals(Status.Code.INVALID_ARGUMENT, failure(() -> EchoService.say(server.channel(), "b")));
            assertEquals("ok", EchoService.say(server.channel(), "c"));
            assertEquals("ok", EchoService.say(server.channel(), "d"));
        }
        assertEquals(
                List.of("a", "b", "c", "d"),
                echo.calls(EchoService.SAY).stream().map(RecordedCall::request).toList());
        assertEquals(4, echo.calls().size());
    }

    @Test
    void recordsTheHeadersOfEachCall() {
        echo.on(EchoService.SAY).reply(request -> request.toUpperCase(java.util.Locale.ROOT));
        Metadata headers = new Metadata();
        headers.put(RecordedCall.IDEMPOTENCY_KEY, "h/s/1-0");
        headers.put(RecordedCall.ATTEMPT, "3");
        try (InProcessGrpc server = InProcessGrpc.start(echo)) {
            var channel = io.grpc.ClientInterceptors.intercept(
                    server.channel(), MetadataUtils.newAttachHeadersInterceptor(headers));
            assertEquals("HI", EchoService.say(channel, "hi"));
        }
        RecordedCall<String> call = echo.calls(EchoService.SAY).get(0);
        assertEquals("test.v1.Echo/Say", call.method());
        assertEquals("h/s/1-0", call.idempotencyKey());
        assertEquals(3, call.attempt());
        assertNull(call.traceparent());
        assertNull(call.eventId());
        assertFalse(call.hadDeadline());
    }

    @Test
    void anUnscriptedMethodWithoutAPrototypeIsUnimplemented() {
        try (InProcessGrpc server = InProcessGrpc.start(echo)) {
            assertEquals(Status.Code.UNIMPLEMENTED, failure(() -> EchoService.say(server.channel(), "x")));
        }
        assertEquals(1, echo.calls().size());
        echo.clearCalls();
        assertEquals(0, echo.calls().size());
    }

    @Test
    void onlyUnaryMethodsOfTheServiceCanBeScripted() {
        MethodDescriptor<String, String> foreign = EchoService.SAY.toBuilder()
                .setFullMethodName("other.v1.Other/Say")
                .build();
        assertThrows(IllegalArgumentException.class, () -> echo.on(foreign));
        assertEquals("test.v1.Echo", echo.name());
    }

    private static Status.Code failure(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }
}
