package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per JAR, every refusal of its latest admission attempt; nothing stale. */
class RefusalsTest {

    private final Refusals refusals = new Refusals();

    private static AdmissionException handler(String name, String reason) {
        return new AdmissionException(Stage.HANDLER, "p", name, "handler '" + name + "': " + reason, null);
    }

    @Test
    void keepsEachRefusalOfAJarOnceInOrder() {
        refusals.record("p.jar", handler("a", "bad spec"));
        refusals.record("p.jar", handler("b", "no target"));
        refusals.record("p.jar", handler("a", "bad spec"));
        refusals.record("q.jar", AdmissionException.refused(Stage.READ, null, "not a readable JAR"));
        assertEquals(
                List.of(
                        new PluginFailure("p.jar", "p", "handler 'a': bad spec"),
                        new PluginFailure("p.jar", "p", "handler 'b': no target"),
                        new PluginFailure("q.jar", null, "not a readable JAR")),
                refusals.all());
        assertEquals(2, refusals.of("p.jar").size());
    }

    @Test
    void aNewAttemptStartsClean() {
        refusals.record("p.jar", handler("a", "bad spec"));
        refusals.clear("p.jar");
        refusals.record("p.jar", handler("b", "no target"));
        assertEquals(List.of(new PluginFailure("p.jar", "p", "handler 'b': no target")), refusals.all());
        refusals.set("p.jar", List.of());
        assertEquals(List.of(), refusals.all());
    }
}
