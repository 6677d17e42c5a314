package dev.eventbus.testkit;

import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** A gRPC service without generated code: echoes text, or fails with {@code fail:<CODE>}. */
final class EchoService {

    static final String NAME = "test.v1.Echo";

    static final MethodDescriptor<String, String> SAY = MethodDescriptor.<String, String>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(NAME, "Say"))
            .setRequestMarshaller(new Utf8())
            .setResponseMarshaller(new Utf8())
            .build();

    static final ServiceDescriptor DESCRIPTOR =
            ServiceDescriptor.newBuilder(NAME).addMethod(SAY).build();

    private EchoService() {}

    static BindableService service() {
        return () -> ServerServiceDefinition.builder(NAME)
                .addMethod(SAY, ServerCalls.asyncUnaryCall((request, response) -> {
                    if (request.startsWith("fail:")) {
                        response.onError(Status.fromCode(Status.Code.valueOf(request.substring(5)))
                                .withDescription("asked to fail")
                                .asRuntimeException());
                    } else {
                        response.onNext("echo " + request);
                        response.onCompleted();
                    }
                }))
                .build();
    }

    static String say(Channel channel, String text) {
        return ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT, text);
    }

    private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
