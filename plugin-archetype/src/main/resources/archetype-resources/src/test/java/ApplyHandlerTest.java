package ${package};

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ${package}.v1.ApplyRequest;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.testkit.HandlerHarness;
import dev.eventbus.testkit.InProcessGrpc;
import dev.eventbus.testkit.Outcome;
import dev.eventbus.testkit.TestEvents;
import io.grpc.Status;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The handler without Redis or the runtime: the test kit's HandlerHarness says what the runtime
 * would do with each delivery, and InProcessGrpc serves a fake ${service} in this JVM.
 */
class ApplyHandlerTest {

    private final FakeService service = new FakeService();

    @RegisterExtension
    final InProcessGrpc grpc = InProcessGrpc.start(service);

    private final HandlerHarness harness = HandlerHarness.of(new ApplyHandler())
            .pluginId("${pluginId}")
            .config(defaults())
            .channel(ApplyHandler.SERVICE, grpc.channel());

    /** The plugin's own reference.conf subtree, as the runtime passes it to the handler. */
    private static Config defaults() {
        return ConfigFactory.parseResources("reference.conf").resolve().getConfig("eventbus.plugins.${pluginId}");
    }

    @Test
    void declaresItsSubscriptionAndService() {
        assertEquals("${pluginId}", harness.spec().name());
        assertEquals(Map.of("example", Set.of("example.created")), harness.spec().subscriptions());
        assertEquals(Set.of(ApplyHandler.SERVICE), harness.spec().services());
    }

    @Test
    void callsTheServiceWithTheEvent() {
        Outcome outcome = harness.deliver(TestEvents.event("example.created").stream("example")
                .id("evt-1").subject("s-1").data("hello").build());

        assertEquals(Outcome.Kind.SUCCESS, outcome.kind());
        ApplyRequest request = service.requests().get(0);
        assertEquals("evt-1", request.getEventId());
        assertEquals("s-1", request.getSubject());
        assertEquals("hello", request.getData().toStringUtf8());
    }

    @Test
    void anEventWithoutSubjectIsDeadLetteredWithoutACall() {
        Outcome outcome = harness.deliver(TestEvents.event("example.created").stream("example").build());

        assertEquals(Outcome.Kind.DEAD_LETTER, outcome.kind());
        assertTrue(service.requests().isEmpty());
    }

    @Test
    void anUnavailableServiceIsRetriedAndARejectionDeadLettered() {
        service.failWith(Status.UNAVAILABLE);
        assertEquals(Outcome.Kind.RETRY, harness.deliver(TestEvents.event("example.created").subject("s-2").build()).kind());

        service.failWith(Status.INVALID_ARGUMENT);
        assertEquals(Outcome.Kind.DEAD_LETTER, harness.deliver(TestEvents.event("example.created").subject("s-2").build()).kind());
    }

    @Test
    void referenceConfHasTheDefaults() {
        assertFalse(defaults().getBoolean("log-calls"));
    }
}
