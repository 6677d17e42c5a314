package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.fixtures.ExitingConstructorHandler;
import dev.eventbus.runtime.ops.OpsHarness;
import dev.eventbus.runtime.ops.OpsHarness.Cli;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator CLI never runs plugin code: with no runtime to ask, {@code plugins list|show} and
 * {@code topology} read what each plugin's build recorded. The plugins directory holds a real
 * plugin JAR whose handler calls {@code System.exit} in its constructor: instantiating it would end
 * this test's JVM. With a build descriptor its handler is listed from the descriptor; without one
 * the JAR is listed as lacking it. The sample payments plugin, built by Maven with the plugin
 * parent, carries its descriptor.
 */
class PluginDescriptorIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path plugins;

    private Cli cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--plugins-dir", plugins.toString()));
        return OpsHarness.cliRaw(all.toArray(String[]::new));
    }

    @BeforeEach
    void setUp() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        Files.copy(Path.of("target/test-plugins/payments-plugin.jar"), plugins.resolve("payments-plugin.jar"));
        // The descriptor a build would write, by hand: building it here would run the constructor.
        new PluginJarBuilder("exiting")
                .version("1.0.0")
                .extension(ExitingConstructorHandler.class)
                .resource(
                        HandlerDescriptor.PATH,
                        "{\"format\":1,\"handlers\":[{\"class\":\""
                                + ExitingConstructorHandler.class.getName() + "\",\"name\":\"exiting\","
                                + "\"consumes\":{\"it-stream\":[\"it.recorded\"]},\"calls\":[]}]}")
                .build(plugins);
        new PluginJarBuilder("undescribed")
                .version("3.0.0")
                .extension(ExitingConstructorHandler.class)
                .build(plugins);
    }

    @Test
    void theMavenBuiltPluginCarriesItsDescriptor() throws Exception {
        try (JarFile jar = new JarFile(plugins.resolve("payments-plugin.jar").toFile())) {
            assertNotNull(jar.getJarEntry(HandlerDescriptor.PATH), "eventbus-plugin-parent wrote the descriptor");
        }
    }

    @Test
    void pluginsListAndShowReadTheDescriptorsAndRunNothing() throws Exception {
        Cli list = cli("plugins", "list", "--admin", "127.0.0.1:1");
        assertEquals(0, list.exit(), list.toString());
        assertTrue(list.err().contains("showing what the plugins directory"), list.err());
        assertTrue(
                list.out()
                        .lines()
                        .anyMatch(l -> l.matches("exiting\\s+1\\.0\\.0\\s+exiting\\s+it-stream: it\\.recorded\\s+-")),
                list.out());
        assertTrue(
                list.out()
                        .lines()
                        .anyMatch(
                                l -> l.matches(
                                        "payments\\s+\\S+\\s+mark-order-paid\\s+wallet: wallet\\.topup\\.succeeded\\s+orders\\.v1\\.OrderService")),
                list.out());
        assertTrue(list.out().contains("undescribed-3.0.0.jar (plugin undescribed): no build descriptor"), list.out());

        JsonNode json = JSON.readTree(
                cli("plugins", "list", "--json", "--admin", "127.0.0.1:1").out());
        assertEquals(2, json.get("plugins").size(), json.toString());
        assertEquals("undescribed", json.get("refused").get(0).get("pluginId").asText());

        Cli show = cli("plugins", "show", "undescribed", "--admin", "127.0.0.1:1");
        assertEquals(0, show.exit(), show.toString());
        assertTrue(show.out().contains("no build descriptor"), show.out());
    }

    @Test
    void topologyReadsTheDescriptorsAndRunsNothing() throws Exception {
        Cli text = cli("topology");
        assertEquals(0, text.exit(), text.toString());
        assertTrue(text.out().contains("stream it-stream\n  it.recorded\n    -> exiting (plugin exiting"), text.out());
        assertTrue(text.out().contains("-> mark-order-paid (plugin payments"), text.out());

        JsonNode json = JSON.readTree(cli("topology", "--format", "json").out());
        assertEquals(
                List.of("exiting", "mark-order-paid"),
                List.of(
                        json.get("handlers").get(0).get("name").asText(),
                        json.get("handlers").get(1).get("name").asText()));
        assertTrue(
                json.get("refused").get(0).get("reason").asText().startsWith("no build descriptor"), json.toString());
    }
}
