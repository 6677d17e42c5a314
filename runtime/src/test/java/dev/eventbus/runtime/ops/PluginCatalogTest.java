package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.ManifestlessJar;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.plugin.CodeFreeFindings;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.runtime.plugin.PluginJarCheck;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a runtime, {@code plugins list} and {@code topology} show what the JARs' builds recorded;
 * what the runtime refuses across JARs is known without plugin code too, and shows as the runtime's
 * refusals, not as handlers that would run: JARs of one plugin id, and handlers of one name in two
 * JARs, all of them.
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

    /**
     * JARs of one plugin id, and handlers of one name in two JARs, are refused all, as at the
     * runtime's start, whatever their file names.
     */
    @Test
    void jarsOfOneIdAndHandlersOfOneNameShowAsTheRuntimesRefusalsOfAllOfThem() {
        jar("pay", "1.0.0", "mark-paid");
        jar("pay", "2.0.0", "mark-paid", "refund");
        jar("quota", "1.0.0", "quota", "audit-log");
        jar("audit", "1.0.0", "audit-log");

        PluginCatalog catalog = PluginCatalog.read(plugins);

        assertEquals(
                List.of("quota/quota"),
                catalog.handlers().stream()
                        .map(h -> h.pluginId() + "/" + h.name())
                        .toList());
        String bothPays = ": which JAR is meant is ambiguous, so none of them is admitted; remove all but one of"
                + " pay-1.0.0.jar and pay-2.0.0.jar from the plugins directory (to upgrade a plugin, replace its JAR"
                + " under the same file name)";
        String bothAudits = " has this name too: which one is meant is ambiguous (handler names name consumer groups),"
                + " so none of them runs; remove all but one of audit-1.0.0.jar and quota-1.0.0.jar from the plugins"
                + " directory, or rename the handler";
        assertEquals(
                List.of(
                        new PluginFailure(
                                "audit-1.0.0.jar",
                                "audit",
                                "handler 'audit-log': handler class com.acme.quota.auditlog of plugin quota"
                                        + " (quota-1.0.0.jar)" + bothAudits),
                        new PluginFailure(
                                "pay-1.0.0.jar",
                                "pay",
                                "plugin id 'pay' (version 1.0.0 in this JAR) is also the id of pay-2.0.0.jar (version"
                                        + " 2.0.0)" + bothPays),
                        new PluginFailure(
                                "pay-2.0.0.jar",
                                "pay",
                                "plugin id 'pay' (version 2.0.0 in this JAR) is also the id of pay-1.0.0.jar (version"
                                        + " 1.0.0)" + bothPays),
                        new PluginFailure(
                                "quota-1.0.0.jar",
                                "quota",
                                "handler 'audit-log': handler class com.acme.audit.auditlog of plugin audit"
                                        + " (audit-1.0.0.jar)" + bothAudits)),
                catalog.refused());
    }

    /** As in the runtime: a JAR refused after it claimed its plugin id (its config) holds it still. */
    @Test
    void aJarRefusedAfterItsIdHoldsItAgainstAnotherJarOfThatId() {
        jar("pay", "1.0.0", "mark-paid");
        jar("pay", "2.0.0", "mark-paid", "refund");
        PluginFailure badKey = new PluginFailure("pay-1.0.0.jar", "pay", "config has keys the plugin does not define");

        PluginCatalog catalog = PluginCatalog.read(
                plugins,
                jar -> jar.getFileName().toString().equals("pay-1.0.0.jar")
                        ? new CodeFreeFindings(CodeFreeFindings.Verdict.REFUSED, List.of(badKey), java.util.Set.of())
                        : CodeFreeFindings.admitted());

        assertEquals(List.of(), catalog.handlers());
        assertEquals(
                List.of("pay-1.0.0.jar", "pay-2.0.0.jar"),
                catalog.refused().stream().map(PluginFailure::source).toList());
        assertTrue(catalog.refused().get(0).reason().startsWith("plugin id 'pay' (version 1.0.0 in this JAR) is also"));
    }

    @Test
    void aJarRefusedBeforeItsIdHoldsNeitherItsIdNorItsHandlerNamesAgainstAnotherJar() {
        // As in the runtime, where a JAR the allow-list refuses claims no id: pay-2.0.0.jar is
        // admitted (found in review: the catalog refused it).
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

    /**
     * Found from outside: offline, a JAR with a malformed Plugin-Requires or without a manifest
     * ended {@code plugins list} (LexerException, NullPointerException); each shows as the
     * runtime's refusal of that JAR, the other JARs' handlers as they are.
     */
    @Test
    void aJarWithAnUnreadablePluginRequiresOrNoManifestShowsAsTheRuntimesRefusalBesideTheOthers() throws Exception {
        new PluginJarBuilder("pay")
                .extension(RecordingHandler.class)
                .resource(
                        HandlerDescriptor.PATH,
                        "{\"format\":1,\"handlers\":[{\"class\":\"" + RecordingHandler.class.getName()
                                + "\",\"name\":\"recorder\",\"consumes\":{\"s\":[\"t\"]},\"calls\":[]}]}")
                .build(plugins);
        Path builds = Files.createDirectories(plugins.resolveSibling(plugins.getFileName() + "-builds"));
        Files.move(new PluginJarBuilder("badrequires").requires(">>>what").build(builds), plugins.resolve("bad.jar"));
        ManifestlessJar.of(new PluginJarBuilder("bare").build(builds), plugins.resolve("bare.jar"));
        RuntimeConfig config = ConfigLoader.load(Optional.empty(), ConfigFactory.empty());

        PluginCatalog catalog =
                PluginCatalog.read(plugins, jar -> PluginJarCheck.findings(jar, config, Versions.pluginApi()));

        assertEquals(
                List.of("pay 1.0.0/recorder"),
                catalog.handlers().stream()
                        .map(h -> h.pluginId() + " " + h.pluginVersion() + "/" + h.name())
                        .toList(),
                catalog.refused().toString());
        assertEquals(
                List.of("bad.jar", "bare.jar"),
                catalog.refused().stream().map(PluginFailure::source).toList());
        assertTrue(
                catalog.refused()
                        .get(0)
                        .reason()
                        .startsWith("Plugin-Requires '>>>what' cannot be read as a version range"),
                catalog.refused().toString());
        assertTrue(
                catalog.refused().get(1).reason().startsWith("no PF4J descriptor: the JAR has no META-INF/MANIFEST.MF"),
                catalog.refused().toString());
    }
}
