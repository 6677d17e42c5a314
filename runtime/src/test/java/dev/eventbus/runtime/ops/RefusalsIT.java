package dev.eventbus.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.eventbus.api.build.HandlerDescriptor;
import dev.eventbus.runtime.fixtures.ConsumesNothingHandler;
import dev.eventbus.runtime.fixtures.ExplodingConstructorHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.UnconfiguredServiceHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal of a JAR or of a handler in it, on start and on hot reload, shows in the runtime's
 * failures, {@code plugins list} (live and from the directory), {@code status}, the admin API and
 * readiness with its latest reason, and goes away once the JAR is fixed. Real plugin JARs.
 */
class RefusalsIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String BILLING = "handler 'needs-billing': declares gRPC service 'billing.v1.Billing'";
    private static final String EXPLODING = "cannot be created: IllegalStateException: no database configured";
    private static final String NOTHING = "handler 'consumes-nothing': consumes nothing";

    @TempDir
    Path dir;

    @TempDir
    Path builds;

    private OpsHarness h;

    @BeforeEach
    void setUp() {
        REDIS.command("FLUSHALL");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private static PluginJarBuilder mixed(String version) {
        return new PluginJarBuilder("mixed").version(version).extension(RecordingHandler.class);
    }

    /** Writes a build of the JAR over plugins/{@code name}, as a deployer would. */
    private void deploy(PluginJarBuilder jar, String name) throws Exception {
        Path built = jar.build(Files.createTempDirectory(builds, "b"));
        Files.copy(built, h.plugins.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    private List<String> reasons(String source) {
        return h.runtime().view().pluginFailures().stream()
                .filter(f -> f.source().equals(source))
                .map(PluginFailure::reason)
                .toList();
    }

    private static boolean hasEach(List<String> reasons, String... parts) {
        return reasons.size() == parts.length
                && List.of(parts).stream().allMatch(p -> reasons.stream().anyMatch(r -> r.contains(p)));
    }

    private JsonNode readiness() throws Exception {
        HttpResponse<String> ready = h.get("/health/ready", null);
        JsonNode body = JSON.readTree(ready.body());
        assertEquals(body.get("status").asText().equals("UP") ? 200 : 503, ready.statusCode());
        return body;
    }

    @Test
    void everyRefusalOnStartShowsEverywhereWithItsReason() throws Exception {
        h = OpsHarness.create(dir, REDIS.uri());
        deploy(
                mixed("1.0.0")
                        .extension(UnconfiguredServiceHandler.class)
                        .extension(ExplodingConstructorHandler.class)
                        .extension(ConsumesNothingHandler.class),
                "mixed.jar");
        deploy(
                new PluginJarBuilder("grpc-bundler")
                        .extension(RecordingHandler.class)
                        .resource("io/grpc/Channel.class", new byte[] {(byte) 0xca, (byte) 0xfe})
                        // as the plugin parent writes it: offline, the JAR would otherwise list as a plugin
                        .resource(
                                HandlerDescriptor.PATH,
                                "{\"format\":1,\"handlers\":[{\"class\":\"" + RecordingHandler.class.getName()
                                        + "\",\"name\":\"bundled-recorder\",\"consumes\":{\"s\":[\"t\"]},\"calls\":[]}]}"),
                "bundles-grpc.jar");
        deploy(
                new PluginJarBuilder("nodesc").withoutDescriptor().extension(RecordingHandler.class),
                "no-descriptor.jar");
        deploy(new PluginJarBuilder("empty").resource("readme.txt", "no handler here"), "no-extension.jar");
        h.start();

        assertTrue(
                h.runtime().view().handlers().stream().anyMatch(x -> x.name().equals("recorder")),
                "mixed's good handler runs");
        assertTrue(
                hasEach(reasons("mixed.jar"), BILLING, EXPLODING, NOTHING),
                reasons("mixed.jar").toString());
        assertTrue(
                hasEach(
                        reasons("bundles-grpc.jar"),
                        "bundles a copy of a library the runtime shares " + "(io/grpc/Channel.class)"),
                reasons("bundles-grpc.jar").toString());
        assertTrue(
                hasEach(reasons("no-descriptor.jar"), "has no Plugin-Id"),
                reasons("no-descriptor.jar").toString());
        assertTrue(
                hasEach(reasons("no-extension.jar"), "contains no EventHandler extension"),
                reasons("no-extension.jar").toString());
        assertEquals(
                6,
                h.runtime().view().pluginFailures().size(),
                h.runtime().view().pluginFailures().toString());

        JsonNode ready = readiness();
        assertEquals("DOWN", ready.get("status").asText(), "a refusal keeps the instance not ready");
        JsonNode checks = ready.get("checks");
        assertEquals("3 handler(s) admitted, 6 refused", checks.get("plugins").asText());
        String mixedCheck = checks.get("refused mixed.jar").asText();
        assertTrue(
                mixedCheck.contains(BILLING) && mixedCheck.contains(EXPLODING) && mixedCheck.contains(NOTHING),
                mixedCheck);
        assertTrue(
                checks.get("refused no-extension.jar").asText().contains("no EventHandler extension"),
                checks.toString());

        OpsHarness.Cli list = h.cli("plugins", "list", "--admin", h.adminAddress());
        assertEquals(0, list.exit(), list.toString());
        assertEquals("", list.err(), "the runtime answered");
        for (String line : List.of(
                "mixed.jar (plugin mixed): " + BILLING,
                "mixed.jar (plugin mixed): handler class " + ExplodingConstructorHandler.class.getName() + " "
                        + EXPLODING,
                "mixed.jar (plugin mixed): " + NOTHING,
                "bundles-grpc.jar (plugin grpc-bundler): bundles a copy",
                "no-descriptor.jar: no PF4J descriptor",
                "no-extension.jar (plugin empty): contains no EventHandler extension")) {
            assertTrue(list.out().contains("  " + line), line + "\n" + list.out());
        }
        JsonNode listed = JSON.readTree(
                h.cli("plugins", "list", "--json", "--admin", h.adminAddress()).out());
        assertEquals(6, listed.get("refused").size(), listed.toString());
        JsonNode shown = JSON.readTree(h.cli("plugins", "show", "mixed", "--json", "--admin", h.adminAddress())
                .out());
        assertEquals(3, shown.get("refused").size(), "GetPlugin answers the plugin's refusals: " + shown);

        OpsHarness.Cli status = h.cli("status", "--admin", h.adminAddress());
        assertTrue(status.out().contains("refused:\n"), status.toString());
        assertTrue(status.out().contains("  mixed.jar (plugin mixed): " + BILLING), status.out());
        assertTrue(
                status.out().contains("  no-extension.jar (plugin empty): contains no EventHandler extension"),
                status.out());
        JsonNode statusJson = JSON.readTree(
                h.cli("status", "--json", "--admin", h.adminAddress()).out());
        assertEquals(6, statusJson.get("runtime").get("refused").size(), statusJson.toString());

        // With the runtime down the CLI runs no plugin code (issue 13): refusals found by running the
        // handlers are the running runtime's to show; offline, a JAR built without the plugin
        // parent's descriptor says so, and one that is not a plugin says why.
        h.stop();
        OpsHarness.Cli offline = h.cli("plugins", "list");
        assertEquals(0, offline.exit(), offline.toString());
        assertTrue(offline.out().contains("  mixed.jar (plugin mixed): no build descriptor"), offline.out());
        assertTrue(
                offline.out()
                        .contains("  no-descriptor.jar: no PF4J descriptor: META-INF/MANIFEST.MF has no Plugin-Id"),
                "the runtime's own reason, as live: " + offline.out());
        // Found from outside: a JAR bundling gRPC listed offline as a plugin with its handlers (rc 0),
        // while config check refused it. The code-free checks run offline too, with the runtime's reason.
        assertTrue(
                offline.out()
                        .contains(
                                "  bundles-grpc.jar (plugin grpc-bundler): bundles a copy of a library the runtime shares "
                                        + "(io/grpc/Channel.class)"),
                offline.out());
        assertFalse(offline.out().contains("bundled-recorder"), offline.out());
    }

    @Test
    void refusalsOnHotReloadAreCurrentAndGoAwayOnceTheJarIsFixed() throws Exception {
        h = OpsHarness.create(
                dir,
                REDIS.uri(),
                Map.of(
                        "eventbus.plugin-host.reload", true,
                        "eventbus.plugin-host.reload-poll-interval", "100ms",
                        "eventbus.plugin-host.reload-quiet-period", "200ms"));
        deploy(mixed("1.0.0"), "mixed.jar");
        h.start();
        assertEquals(List.of(), h.runtime().view().pluginFailures());
        assertEquals("UP", readiness().get("status").asText());

        deploy(mixed("2.0.0").resource("io/grpc/Channel.class", new byte[] {(byte) 0xca, (byte) 0xfe}), "mixed.jar");
        OpsHarness.await(
                "the bundling 2.0.0 refused", WAIT, () -> hasEach(reasons("mixed.jar"), "(io/grpc/Channel.class)"));
        assertEquals("1.0.0", version("mixed"), "the running version keeps running");
        JsonNode ready = readiness();
        assertEquals("DOWN", ready.get("status").asText());
        assertTrue(
                ready.get("checks").get("refused mixed.jar").asText().contains("io/grpc/Channel.class"),
                ready.toString());

        deploy(mixed("3.0.0").extension(UnconfiguredServiceHandler.class), "mixed.jar");
        OpsHarness.await("3.0.0 runs", WAIT, () -> version("mixed").equals("3.0.0"));
        assertTrue(hasEach(reasons("mixed.jar"), BILLING), "only the current reason: " + reasons("mixed.jar"));
        assertTrue(h.cli("plugins", "list", "--admin", h.adminAddress())
                .out()
                .contains("  mixed.jar (plugin mixed): " + BILLING));

        OpsHarness.Cli reload = h.cli("plugins", "reload", "mixed", "--admin", h.adminAddress());
        assertEquals(1, reload.exit(), "a reload that refused a handler fails: " + reload);
        assertTrue(reload.err().contains(BILLING), reload.err());
        assertEquals("3.0.0", version("mixed"));

        deploy(mixed("4.0.0"), "mixed.jar");
        OpsHarness.await("the fixed 4.0.0 runs", WAIT, () -> version("mixed").equals("4.0.0"));
        assertEquals(List.of(), h.runtime().view().pluginFailures(), "a fixed JAR keeps no stale reason");
        assertEquals("UP", readiness().get("status").asText());
        OpsHarness.Cli list = h.cli("plugins", "list", "--admin", h.adminAddress());
        assertFalse(list.out().contains("refused"), list.out());
        OpsHarness.Cli reloaded = h.cli("plugins", "reload", "mixed", "--admin", h.adminAddress());
        assertEquals(0, reloaded.exit(), reloaded.toString());

        deploy(
                new PluginJarBuilder("mixed").version("5.0.0").extension(ExplodingConstructorHandler.class),
                "mixed.jar");
        OpsHarness.await(
                "the exploding 5.0.0 refused and 4.0.0 restored",
                WAIT,
                () -> version("mixed").equals("4.0.0") && hasEach(reasons("mixed.jar"), EXPLODING));
        assertTrue(
                hasEach(reasons("mixed.jar"), EXPLODING),
                "the refusal stays after the restore: " + reasons("mixed.jar"));
    }

    /**
     * Found from outside: a refused JAR replaced by the exact JAR that runs kept its refusal (the
     * checksum equals the running version's, so hot reload did nothing): `plugins list` showed it and
     * readiness stayed 503 until a manual reload.
     */
    @Test
    void theRunningVersionsJarCopiedBackClearsTheRefusalOfTheJarItReplaced() throws Exception {
        h = OpsHarness.create(
                dir,
                REDIS.uri(),
                Map.of(
                        "eventbus.plugin-host.reload", true,
                        "eventbus.plugin-host.reload-poll-interval", "100ms",
                        "eventbus.plugin-host.reload-quiet-period", "200ms"));
        Path good = mixed("1.0.0").build(Files.createTempDirectory(builds, "good"));
        Files.copy(good, h.plugins.resolve("mixed.jar"));
        h.start();
        assertEquals("UP", readiness().get("status").asText());

        deploy(mixed("2.0.0").resource("io/grpc/Channel.class", new byte[] {(byte) 0xca, (byte) 0xfe}), "mixed.jar");
        OpsHarness.await(
                "the bundling 2.0.0 refused", WAIT, () -> hasEach(reasons("mixed.jar"), "(io/grpc/Channel.class)"));
        assertEquals("DOWN", readiness().get("status").asText());

        Files.copy(good, h.plugins.resolve("mixed.jar"), StandardCopyOption.REPLACE_EXISTING);
        OpsHarness.await("the refusal cleared", WAIT, () -> reasons("mixed.jar").isEmpty());
        assertEquals("1.0.0", version("mixed"), "the running version ran on throughout");
        assertEquals("UP", readiness().get("status").asText());
        OpsHarness.Cli list = h.cli("plugins", "list", "--admin", h.adminAddress());
        assertFalse(list.out().contains("refused"), list.out());
    }

    private String version(String pluginId) {
        return h.runtime().view().plugins().stream()
                .filter(p -> p.pluginId().equals(pluginId))
                .map(p -> p.version())
                .findFirst()
                .orElse("none");
    }
}
