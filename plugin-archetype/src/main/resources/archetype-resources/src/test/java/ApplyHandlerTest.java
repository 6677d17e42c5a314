package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ${package}.v1.ApplyRequest;
import ${package}.v1.${service}Grpc;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.testkit.HandlerHarness;
import dev.eventbus.testkit.InProcessGrpc;
import dev.eventbus.testkit.Outcome;
import dev.eventbus.testkit.RecordedCall;
import dev.eventbus.testkit.RecordingGrpcService;
import dev.eventbus.testkit.TestEvents;
import io.grpc.Status;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handler without Redis or the runtime: the test kit's HandlerHarness runs it as the runtime
 * would (this plugin's reference.conf as its config, the runtime's metadata on every call, events
 * routed by stream and type) and says what the runtime would do with each delivery. A
 * RecordingGrpcService fakes ${service} in this JVM.
 */
class ApplyHandlerTest {

    private final RecordingGrpcService service = RecordingGrpcService.of(${service}Grpc.getServiceDescriptor());

    @RegisterExtension
    final InProcessGrpc grpc = InProcessGrpc.start(service);

    private final HandlerHarness harness = HandlerHarness.of(new ApplyHandler())
            .channel(ApplyHandler.SERVICE, grpc.channel());

    private static TestEvents.Builder created() {
        return TestEvents.event(ApplyHandler.TYPE).stream(ApplyHandler.STREAM);
    }

    @Test
    void declaresItsSubscriptionAndService() {
        assertEquals("${pluginId}", harness.spec().name());
        assertEquals(Map.of("example", Set.of("example.created")), harness.spec().subscriptions());
        assertEquals(Set.of(ApplyHandler.SERVICE), harness.spec().services());
    }

    @Test
    void callsTheServiceWithTheEventAndTheRuntimesMetadata() {
        Event event = created().entryId("1700000000000-0").id("evt-1").subject("s-1").data("hello").build();
        Outcome outcome = harness.deliver(event);

        assertEquals(Outcome.Kind.SUCCESS, outcome.kind());
        RecordedCall<ApplyRequest> call = service.calls(${service}Grpc.getApplyMethod()).get(0);
        assertEquals("evt-1", call.request().getEventId());
        assertEquals("s-1", call.request().getSubject());
        assertEquals("hello", call.request().getData().toStringUtf8());
        assertEquals("${pluginId}/example/1700000000000-0", call.idempotencyKey(), "<handler>/<stream>/<entry-id>");
        assertEquals(1, call.attempt());
    }

    @Test
    void anEventWithoutSubjectIsDeadLetteredWithoutACall() {
        Outcome outcome = harness.deliver(created().build());

        assertEquals(Outcome.Kind.DEAD_LETTER, outcome.kind());
        assertTrue(service.calls().isEmpty());
    }

    @Test
    void anUnavailableServiceIsRetriedAndARejectionDeadLettered() {
        service.on(${service}Grpc.getApplyMethod()).fail(Status.UNAVAILABLE).fail(Status.INVALID_ARGUMENT);

        assertEquals(Outcome.Kind.RETRY, harness.deliver(created().subject("s-2").build()).kind());
        assertEquals(Outcome.Kind.DEAD_LETTER, harness.deliver(created().subject("s-2").build()).kind());
    }

    @Test
    void referenceConfHasTheDefaults() {
        assertFalse(harness.config().getBoolean("log-calls"));
    }

    @Test
    void aBadSettingRefusesTheHandlerAtStartNamingTheKey() {
        harness.config(ConfigFactory.parseMap(Map.of("log-calls", "sometimes")));

        IllegalStateException refused = assertThrows(IllegalStateException.class, harness::start);
        assertTrue(refused.getMessage().contains("log-calls"), refused.getMessage());
        assertThrows(IllegalStateException.class, () -> harness.deliver(created().subject("s-1").build()));
        assertTrue(service.calls().isEmpty());
    }
}
