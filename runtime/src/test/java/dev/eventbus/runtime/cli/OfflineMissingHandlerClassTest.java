package dev.eventbus.runtime.cli;

import static dev.eventbus.runtime.cli.CliRun.eventbusWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.runtime.plugin.PluginHost;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JAR whose extension index lists a handler class the JAR does not hold is refused by {@code run}
 * when none of its handler classes loads; it still claims its plugin id (its descriptor was read),
 * so another JAR of that id is refused with it, as two JARs of one id are; a JAR that holds some
 * of its classes runs those, the others refused by name. {@code plugins list} (without a runtime),
 * {@code topology} and {@code config check} say the same as the runtime's own host (found from
 * outside: the views and the runtime disagreed on which JAR held the id).
 */
class OfflineMissingHandlerClassTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MISSING = "com.acme.pay.MarkPaid";
    private static final String QUOTA_MISSING = "com.acme.quota.Quota";

    @TempDir
    Path dir;

    private Path plugins;
    private Path config;

    private static String descriptor(String... handlers) {
        return "{\"format\":1,\"handlers\":[" + String.join(",", handlers) + "]}";
    }

    private static String handler(String className, String name, String stream, String type) {
        return "{\"class\":\"" + className + "\",\"name\":\"" + name + "\",\"consumes\":{\"" + stream + "\":[\"" + type
                + "\"]},\"calls\":[\"orders.v1.OrderService\"]}";
    }

    /**
     * pay-1.0.0.jar lists only a class it lacks; pay-2.0.0.jar is good; quota-1.0.0.jar holds one
     * of its two handler classes.
     */
    @BeforeEach
    void jars() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        String payDefaults = "eventbus.plugins.pay { threshold = 1 }";
        new PluginJarBuilder("pay")
                .version("1.0.0")
                .resource("reference.conf", payDefaults)
                .resource("META-INF/extensions.idx", MISSING + "\n")
                .resource(
                        HandlerDescriptor.PATH,
                        descriptor(handler(MISSING, "threshold", "threshold-stream", "it.amount")))
                .build(plugins);
        new PluginJarBuilder("pay")
                .version("2.0.0")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", payDefaults)
                .resource(
                        HandlerDescriptor.PATH,
                        descriptor(handler(
                                ThresholdHandler.class.getName(), "threshold", "threshold-stream", "it.amount")))
                .build(plugins);
        new PluginJarBuilder("quota")
                .version("1.0.0")
                .addClass(RecordingHandler.class)
                .resource("META-INF/extensions.idx", RecordingHandler.class.getName() + "\n" + QUOTA_MISSING + "\n")
                .resource(
                        HandlerDescriptor.PATH,
                        descriptor(
                                handler(RecordingHandler.class.getName(), "recorder", "it-stream", "it.recorded"),
                                handler(QUOTA_MISSING, "quota", "quota-stream", "it.quota")))
                .build(plugins);
        config = Files.writeString(
                dir.resolve("application.conf"),
                "eventbus.grpc.services.\"orders.v1.OrderService\".target = \"127.0.0.1:1\"\n"
                        + "eventbus.admin.enabled = false\n"); // plugins list: no runtime to ask
    }

    /** What run's plugin host admits from the directory: "id version/handler", and its refusals. */
    private record Admitted(List<String> handlers, List<String> refused) {}

    private Admitted runtime() {
        RuntimeConfig loaded = ConfigLoader.load(
                Optional.of(config),
                ConfigFactory.parseMap(java.util.Map.of("eventbus.plugins-dir", plugins.toString())));
        try (RpcChannelRegistry rpc = new RpcChannelRegistry(loaded.services());
                PluginHost host = new PluginHost(plugins, Versions.pluginApi(), loaded, rpc)) {
            host.start();
            List<String> handlers = host.installed().values().stream()
                    .flatMap(p -> p.handlers().stream().map(h -> p.pluginId() + " " + p.version() + "/" + h.name()))
                    .sorted()
                    .toList();
            List<String> refused = host.failures().stream()
                    .map(f -> f.source() + "|" + f.pluginId() + "|" + f.reason())
                    .toList();
            return new Admitted(handlers, refused);
        }
    }

    private static List<String> refused(JsonNode array) {
        List<String> refused = new ArrayList<>();
        array.forEach(f -> refused.add(f.get("source").asText() + "|"
                + f.get("pluginId").asText() + "|" + f.get("reason").asText()));
        return refused;
    }

    @Test
    void theRuntimeRefusesBothJarsOfThePayIdAndRunsTheHandlerClassesThatLoad() {
        Admitted run = runtime();

        assertEquals(List.of("quota 1.0.0/recorder"), run.handlers(), run::toString);
        assertEquals(3, run.refused().size(), run::toString);
        assertTrue(run.refused()
                .get(0)
                .startsWith("pay-1.0.0.jar|pay|plugin id 'pay' (version 1.0.0 in this JAR) is"
                        + " also the id of pay-2.0.0.jar (version 2.0.0)"));
        assertTrue(run.refused()
                .get(1)
                .startsWith("pay-2.0.0.jar|pay|plugin id 'pay' (version 2.0.0 in this JAR) is"
                        + " also the id of pay-1.0.0.jar (version 1.0.0)"));
        assertTrue(run.refused()
                .get(2)
                .startsWith("quota-1.0.0.jar|quota|handler class " + QUOTA_MISSING + " cannot be loaded"));
    }

    @Test
    void pluginsListWithoutARuntimeShowsWhatTheRuntimeAdmits() throws Exception {
        Admitted run = runtime();

        CliRun list = eventbusWith(config, plugins, "plugins", "list", "--json");

        assertEquals(0, list.exit(), list::toString);
        JsonNode listed = JSON.readTree(list.out());
        List<String> handlers = new ArrayList<>();
        listed.get("plugins")
                .forEach(p -> p.get("handlers")
                        .forEach(h -> handlers.add(
                                p.get("id").asText() + " " + p.get("version").asText() + "/"
                                        + h.get("name").asText())));
        assertEquals(run.handlers(), handlers.stream().sorted().toList(), listed::toString);
        assertEquals(run.refused(), refused(listed.get("refused")), listed::toString);
    }

    @Test
    void topologyShowsWhatTheRuntimeAdmits() throws Exception {
        Admitted run = runtime();

        CliRun topology = eventbusWith(config, plugins, "topology", "--format", "json");

        assertEquals(0, topology.exit(), topology::toString);
        JsonNode drawn = JSON.readTree(topology.out());
        List<String> handlers = new ArrayList<>();
        drawn.get("handlers")
                .forEach(h -> handlers.add(h.get("pluginId").asText() + " "
                        + h.get("pluginVersion").asText() + "/" + h.get("name").asText()));
        assertEquals(run.handlers(), handlers.stream().sorted().toList(), drawn::toString);
        assertEquals(run.refused(), refused(drawn.get("refused")), drawn::toString);
    }

    @Test
    void configCheckFindsTheRuntimesRefusalsOnly() {
        Admitted run = runtime();

        CliRun check = eventbusWith(config, plugins, "config", "check");

        assertEquals(2, check.exit(), check::toString);
        List<String> problems = check.err()
                .lines()
                .filter(l -> l.startsWith("config check: plugin JAR"))
                .toList();
        assertEquals(
                run.refused().stream()
                        .map(r -> r.split("\\|", 3))
                        .map(r -> "config check: plugin JAR " + plugins.resolve(r[0]) + " (plugin " + r[1]
                                + ") would be refused with " + config + ": " + r[2])
                        .toList(),
                problems,
                check::toString);
        assertFalse(check.out().contains("services not checked"), check::toString);
    }
}
