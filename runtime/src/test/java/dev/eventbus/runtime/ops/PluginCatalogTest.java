package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.plugin.CodeFreeFindings;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a runtime, {@code plugins list} and {@code topology} show what the JARs' builds recorded;
 * what the runtime refuses across JARs is known without plugin code too, and shows as the runtime's
 * refusal, not as handlers that would run: a second JAR of a plugin id, and a handler whose name a
 * plugin before it (by file name, the runtime's order) has.
 */
class PluginCatalogTest {

    @TempDir
    Path plugins;

    private void jar(String id, String version, String... handlers) {
        StringBuilder json = new StringBuilder("{\"format\":1,\"handlers\":[");
        for (int i = 0; i < handlers.length; i++) {
            json.append(i == 0 ? "" : ",")
                    .append("{\"class\":\"com.acme.")
                    .append(id)
                    .append('.')
                    .append(handlers[i].replace("-", ""))
                    .append("\",\"name\":\"")
                    .append(handlers[i])
                    .append("\",\"consumes\":{\"s\":[\"t\"]},\"calls\":[]}");
        }
        new PluginJarBuilder(id)
                .version(version)
                .resource(HandlerDescriptor.PATH, json.append("]}").toString())
                .build(plugins);
    }

    @Test
    void aSecondJarOfAnIdAndAHandlerNameTakenShowAsTheRuntimesRefusals() {
        jar("pay", "1.0.0", "mark-paid");
        jar("pay", "2.0.0", "mark-paid", "refund");
        jar("quota", "1.0.0", "mark-paid", "quota");

        PluginCatalog catalog = PluginCatalog.read(plugins);

        assertEquals(
                List.of("pay/mark-paid", "quota/quota"),
                catalog.handlers().stream()
                        .map(h -> h.pluginId() + "/" + h.name())
                        .toList());
        assertEquals(
                List.of(
                        new PluginFailure(
                                "pay-2.0.0.jar", "pay", "plugin id 'pay' is already installed from pay-1.0.0.jar"),
                        new PluginFailure(
                                "quota-1.0.0.jar",
                                "quota",
                                "handler 'mark-paid': another handler already uses this name: handler class"
                                        + " com.acme.pay.markpaid of plugin pay (pay-1.0.0.jar) (handler names must be"
                                        + " unique: they name consumer groups)")),
                catalog.refused());
    }

    @Test
    void aJarRefusedWithoutItsCodeHoldsNeitherItsIdNorItsHandlerNamesAgainstALaterJar() {
        // As in the runtime, which takes an id only for a plugin it installs: the allow-list
        // refusing pay-1.0.0.jar admits pay-2.0.0.jar (found in review: the catalog refused it).
        jar("pay", "1.0.0", "mark-paid");
        jar("pay", "2.0.0", "mark-paid", "refund");
        PluginFailure unlisted = new PluginFailure("pay-1.0.0.jar", "pay", "not on eventbus.plugin-host.allow-list");

        PluginCatalog catalog = PluginCatalog.read(
                plugins,
                jar -> jar.getFileName().toString().equals("pay-1.0.0.jar")
                        ? CodeFreeFindings.refusedBeforeItsId(unlisted)
                        : CodeFreeFindings.admitted());

        assertEquals(
                List.of("pay 2.0.0/mark-paid", "pay 2.0.0/refund"),
                catalog.handlers().stream()
                        .map(h -> h.pluginId() + " " + h.pluginVersion() + "/" + h.name())
                        .toList());
        assertEquals(List.of(unlisted), catalog.refused());
    }
}
