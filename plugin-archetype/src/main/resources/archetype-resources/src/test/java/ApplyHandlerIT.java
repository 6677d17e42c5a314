package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ${package}.v1.ApplyReply;
import ${package}.v1.ApplyRequest;
import ${package}.v1.${service}Grpc;
import dev.eventbus.testkit.RecordedCall;
import dev.eventbus.testkit.RecordingGrpcService;
import dev.eventbus.testkit.RedisExtension;
import dev.eventbus.testkit.runtime.DeadLettered;
import dev.eventbus.testkit.runtime.EventbusExtension;
import dev.eventbus.testkit.runtime.PublishedEvent;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The plugin JAR this build packaged, in the real Eventbus runtime (EventbusExtension), reading a
 * real Redis (RedisExtension starts redis-server, or uses EVENTBUS_TEST_REDIS_URI) and calling a
 * recording fake of ${service} over a real gRPC connection. Retry backoff is skipped on the test
 * clock, so retries run at once.
 */
class ApplyHandlerIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private final RecordingGrpcService service = RecordingGrpcService.of(${service}Grpc.getServiceDescriptor());

    @RegisterExtension
    final EventbusExtension eventbus = EventbusExtension.with(REDIS)
            // plugin.jar: set by the plugin parent for failsafe (mvn verify); run alone (an IDE, mvn test -Dtest=...),
            // the JAR the last mvn package wrote
            .plugin(Path.of(System.getProperty("plugin.jar", "target/${artifactId}-${version}.jar")))
            .service(service)
            .skipBackoff();

    private List<RecordedCall<ApplyRequest>> calls() {
        return service.calls(${service}Grpc.getApplyMethod());
    }

    @Test
    void anEventOnTheStreamReachesTheServiceAndIsAcknowledged() {
        PublishedEvent event = eventbus.publish(ApplyHandler.STREAM, "type", ApplyHandler.TYPE, "id", "evt-1",
                "subject", "s-1", "data", "hello");

        event.awaitHandled();
        event.awaitAcknowledged();
        RecordedCall<ApplyRequest> call = calls().get(0);
        assertEquals("evt-1", call.request().getEventId());
        assertEquals("${pluginId}/example/" + event.entryId(), call.idempotencyKey());
        assertTrue(call.hadDeadline());
    }

    @Test
    void anEventWithoutSubjectIsDeadLettered() {
        PublishedEvent event = eventbus.publish(ApplyHandler.STREAM, "type", ApplyHandler.TYPE, "id", "evt-2");

        DeadLettered letter = event.awaitDeadLettered();
        assertEquals("handler-error", letter.reason());
        assertTrue(letter.errorMessage().contains("has no subject"), letter.errorMessage());
        assertEquals(List.of(), calls());
    }

    @Test
    void anUnavailableServiceIsRetriedWithTheSameKey() {
        service.on(${service}Grpc.getApplyMethod()).fail(Status.UNAVAILABLE).fail(Status.UNAVAILABLE)
                .reply(ApplyReply.newBuilder().setApplied(true).build());
        PublishedEvent event = eventbus.publish(ApplyHandler.STREAM, "type", ApplyHandler.TYPE, "subject", "s-3");

        event.awaitRetried(2);
        event.awaitHandled();
        assertEquals(List.of(1, 2, 3), calls().stream().map(RecordedCall::attempt).toList());
        assertEquals(List.of(event.idempotencyKey()), calls().stream().map(RecordedCall::idempotencyKey).distinct().toList());
    }
}
