package dev.eventbus.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.testkit.PluginJarBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A JAR the plugin allow-list refuses is never installed, so the runtime admits a later JAR of the
 * same plugin id: {@code config check}, {@code plugins list} and {@code topology} without a runtime
 * say the same (found in review: the refused JAR held the id there, and the admitted one was shown
 * as refused for it, its services unchecked).
 */
class OfflineAllowListTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Path plugins;
    private Path config;

    private record Run(int exit, String out, String err) {}

    private static Run eventbus(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = EventbusCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    private Run eventbusHere(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--plugins-dir", plugins.toString()));
        return eventbus(all.toArray(String[]::new));
    }

    /** pay-1.0.0.jar and pay-2.0.0.jar, the allow-list pinning only the second. */
    @BeforeEach
    void twoJarsOfOneIdTheAllowListPinningTheSecond() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        for (String version : List.of("1.0.0", "2.0.0")) {
            new PluginJarBuilder("pay")
                    .version(version)
                    .extension(ThresholdHandler.class)
                    .resource("reference.conf", "eventbus.plugins.pay { limit = 10, currency = EUR, threshold = 1 }")
                    .resource(
                            HandlerDescriptor.PATH,
                            "{\"format\":1,\"handlers\":[{\"class\":\"" + ThresholdHandler.class.getName() + "\","
                                    + "\"name\":\"threshold\",\"consumes\":{\"wallet\":[\"t\"]},"
                                    + "\"calls\":[\"orders.v1.OrderService\"]}]}")
                    .build(plugins);
        }
        String sha256 = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(plugins.resolve("pay-2.0.0.jar"))));
        config = Files.writeString(
                dir.resolve("application.conf"),
                "eventbus.plugin-host.allow-list = [{ id = pay, sha256 = \"" + sha256 + "\" }]\n"
                        + "eventbus.admin.enabled = false\n"); // plugins list: no runtime to ask
    }

    @Test
    void configCheckRefusesOnlyTheUnlistedJarAndChecksTheLaterOnesServices() {
        Run run = eventbusHere("config", "check");

        assertEquals(2, run.exit(), run::toString);
        List<String> problems = run.err()
                .lines()
                .filter(l -> l.startsWith("config check: plugin JAR"))
                .map(l -> l.substring(l.indexOf(plugins.toString())))
                .toList();
        assertEquals(2, problems.size(), run::toString);
        assertEquals(
                plugins.resolve("pay-1.0.0.jar") + " (plugin pay) would be refused with " + config
                        + ": not on eventbus.plugin-host.allow-list",
                problems.get(0).substring(0, problems.get(0).indexOf(" (id pay")),
                run::toString);
        assertEquals(
                plugins.resolve("pay-2.0.0.jar") + " (plugin pay) would be refused with " + config
                        + ": handler 'threshold': declares gRPC service 'orders.v1.OrderService' but it has no target:"
                        + " add eventbus.grpc.services.\"orders.v1.OrderService\".target to the runtime config",
                problems.get(1),
                run::toString);
        assertFalse(run.out().contains("services not checked"), run::toString);
    }

    @Test
    void pluginsListAndTopologyShowTheLaterJarAsTheRuntimeRunsIt() throws Exception {
        Run list = eventbusHere("plugins", "list", "--json");
        assertEquals(0, list.exit(), list::toString);
        JsonNode listed = JSON.readTree(list.out());
        assertEquals(1, listed.get("plugins").size(), listed::toString);
        assertEquals("2.0.0", listed.get("plugins").get(0).get("version").asText(), listed::toString);
        assertEquals(1, listed.get("refused").size(), listed::toString);
        assertEquals("pay-1.0.0.jar", listed.get("refused").get(0).get("source").asText(), listed::toString);

        Run topology = eventbusHere("topology", "--format", "json");
        assertEquals(0, topology.exit(), topology::toString);
        JsonNode drawn = JSON.readTree(topology.out());
        assertEquals(1, drawn.get("handlers").size(), drawn::toString);
        assertEquals("2.0.0", drawn.get("handlers").get(0).get("pluginVersion").asText(), drawn::toString);
        assertEquals(1, drawn.get("refused").size(), drawn::toString);
        assertEquals("pay-1.0.0.jar", drawn.get("refused").get(0).get("source").asText(), drawn::toString);
    }
}
