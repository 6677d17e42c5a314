package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.Event;
import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerContext;
import dev.eventbus.api.HandlerSpec;
import dev.eventbus.runtime.fixtures.ExplodingConstructorHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.UnconfiguredServiceHandler;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each handler of a plugin admitted or refused on its own, with the reason naming it. */
class HandlerAdmissionTest {

    private final HandlerAdmission admission =
            new HandlerAdmission(new HandlerFactory(), new HandlerSpecCheck(RecordingHandler.SERVICE::equals));
    private final ClassLoader loader = HandlerAdmissionTest.class.getClassLoader();

    private HandlerAdmission.Result admit(Map<String, String> namesInUse, List<Class<? extends EventHandler>> types) {
        return admission.admit("p", "1.0.0", loader, types, ConfigFactory.parseString("k = v"), namesInUse);
    }

    private static String reasons(HandlerAdmission.Result result) {
        return result.refused().stream()
                .map(AdmissionException::getMessage)
                .toList()
                .toString();
    }

    @Test
    void aGoodHandlerIsAdmittedWithItsPluginAndConfig() {
        HandlerAdmission.Result result = admit(Map.of(), List.of(RecordingHandler.class));
        assertEquals(List.of(), result.refused());
        LoadedHandler handler = result.admitted().get(0);
        assertEquals("recorder", handler.name());
        assertEquals("p", handler.pluginId());
        assertEquals("1.0.0", handler.pluginVersion());
        assertSame(loader, handler.classLoader());
        assertEquals("v", handler.pluginConfig().getString("k"));
    }

    @Test
    void eachBadHandlerIsRefusedWithItsReasonAndTheGoodOneStays() {
        HandlerAdmission.Result result = admit(
                Map.of(),
                List.of(
                        ExplodingConstructorHandler.class,
                        RecordingHandler.class,
                        UnconfiguredServiceHandler.class,
                        NullSpec.class,
                        ConsumesNothing.class,
                        ThrowingSpec.class));
        assertEquals(
                List.of("recorder"),
                result.admitted().stream().map(LoadedHandler::name).toList());
        assertEquals(
                List.of(
                        "handler class " + ExplodingConstructorHandler.class.getName()
                                + " cannot be created: IllegalStateException: no database configured",
                        "handler 'needs-billing': declares gRPC service 'billing.v1.Billing' but it has no target: add "
                                + "eventbus.grpc.services.\"billing.v1.Billing\".target to the runtime config and restart it",
                        "handler '" + NullSpec.class.getName() + "': spec() returned null",
                        "handler 'idle': consumes nothing: declare at least one stream and event type with consumes(...)",
                        "handler class " + ThrowingSpec.class.getName() + ": spec() failed: ArithmeticException: nope"),
                result.refused().stream().map(AdmissionException::getMessage).toList());
        for (AdmissionException refused : result.refused()) {
            assertEquals(Stage.HANDLER, refused.stage());
            assertEquals("p", refused.pluginId(), refused.getMessage());
        }
        assertEquals(
                List.of(
                        ExplodingConstructorHandler.class.getName(),
                        "needs-billing",
                        NullSpec.class.getName(),
                        "idle",
                        ThrowingSpec.class.getName()),
                result.refused().stream().map(AdmissionException::handler).toList());
    }

    @Test
    void aNameInUseByAnotherPluginOrEarlierInThisOneIsRefused() {
        HandlerAdmission.Result taken = admit(
                Map.of(
                        "recorder",
                        HandlerSpecCheck.nameTaken("handler class com.acme.Recorder of plugin other (other.jar)")),
                List.of(RecordingHandler.class));
        assertEquals(List.of(), taken.admitted());
        assertEquals(
                "[handler 'recorder': another handler already uses this name: handler class com.acme.Recorder of "
                        + "plugin other (other.jar) (handler names must be unique: they name consumer groups)]",
                reasons(taken));

        HandlerAdmission.Result twice = admit(Map.of(), List.of(RecordingHandler.class, RecordingHandler.class));
        assertEquals(1, twice.admitted().size());
        assertEquals(
                "[handler 'recorder': another handler already uses this name: handler class "
                        + RecordingHandler.class.getName()
                        + " of plugin p (handler names must be unique: they name consumer groups)]",
                reasons(twice));
    }

    @Test
    void theStartHookRunsWithThePluginsConfigAndLoaderAndRefusesTheHandlerWhenItThrows() {
        StartProbe.seen = null;
        ClassLoader pluginLoader = new java.net.URLClassLoader(new java.net.URL[0], loader);
        HandlerAdmission.Result result = admission.admit(
                "p",
                "1.0.0",
                pluginLoader,
                List.of(StartProbe.class, StartFails.class),
                ConfigFactory.parseString("k = v"),
                Map.of());
        assertEquals(
                List.of("start-probe"),
                result.admitted().stream().map(LoadedHandler::name).toList());
        assertEquals("v", StartProbe.seen.config.getString("k"));
        assertSame(pluginLoader, StartProbe.seen.contextLoader, "the hook runs inside its plugin");
        assertEquals(1, result.refused().size(), reasons(result));
        String reason = result.refused().get(0).getMessage();
        assertTrue(
                reason.startsWith("handler 'start-fails': start(config) failed: Missing: ")
                        && reason.endsWith("No configuration setting found for key 'limit'"),
                reason);
        assertEquals("start-fails", result.refused().get(0).handler());
    }

    /** What a start hook saw. */
    record Seen(com.typesafe.config.Config config, ClassLoader contextLoader) {}

    public static class StartProbe implements EventHandler {
        static volatile Seen seen;

        @Override
        public HandlerSpec spec() {
            return HandlerSpec.named("start-probe").consumes("s", "t");
        }

        @Override
        public void start(com.typesafe.config.Config config) {
            seen = new Seen(config, Thread.currentThread().getContextClassLoader());
        }

        @Override
        public void handle(Event event, HandlerContext context) {}
    }

    public static class StartFails implements EventHandler {
        @Override
        public HandlerSpec spec() {
            return HandlerSpec.named("start-fails").consumes("s", "t");
        }

        @Override
        public void start(com.typesafe.config.Config config) {
            config.getLong("limit");
        }

        @Override
        public void handle(Event event, HandlerContext context) {}
    }

    public static class NullSpec implements EventHandler {
        @Override
        public HandlerSpec spec() {
            return null;
        }

        @Override
        public void handle(Event event, HandlerContext context) {}
    }

    public static class ConsumesNothing implements EventHandler {
        @Override
        public HandlerSpec spec() {
            return HandlerSpec.named("idle");
        }

        @Override
        public void handle(Event event, HandlerContext context) {}
    }

    public static class ThrowingSpec implements EventHandler {
        @Override
        public HandlerSpec spec() {
            throw new ArithmeticException("nope");
        }

        @Override
        public void handle(Event event, HandlerContext context) {}
    }
}
