package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.ExplodingConstructorHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.runtime.fixtures.UndeclaredCallHandler;
import dev.eventbus.runtime.fixtures.UnconfiguredServiceHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Broken plugins beside a good one: each is refused with its reason, the good one runs. */
class PluginAdmissionIT {

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @TempDir
    Path plugins;

    @TempDir
    Path scratch;

    private OrderServer orders;
    private EventbusRuntime runtime;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        orders = OrderServer.start(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (runtime != null) {
            runtime.stop();
        }
        orders.close();
    }

    private void start() {
        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "admission", Map.of());
    }

    private String reasonFor(String source) {
        return runtime.pluginFailures().stream().filter(f -> f.source().equals(source)).map(PluginFailure::reason)
                .findFirst().orElseThrow(() -> new AssertionError(source + " was not refused: " + runtime.pluginFailures()));
    }

    @Test
    void brokenPluginsAreRefusedWithReasonsAndTheGoodOneRuns() throws Exception {
        new PluginJarBuilder("recorder").version("1.0.0").extension(RecordingHandler.class).build(plugins);
        Path good = new PluginJarBuilder("other").version("1.0.0").extension(RecordingHandler.class).build(scratch);
        PluginJarBuilder.truncate(good, plugins.resolve("truncated.jar"));
        Files.move(new PluginJarBuilder("nodesc").withoutDescriptor().extension(RecordingHandler.class).build(scratch),
                plugins.resolve("no-descriptor.jar"));
        Files.move(new PluginJarBuilder("future").requires(">=9.0.0").extension(RecordingHandler.class).build(scratch),
                plugins.resolve("needs-api-9.jar"));
        Files.move(new PluginJarBuilder("bundler").extension(RecordingHandler.class)
                .resource("dev/eventbus/api/Event.class", new byte[] {(byte) 0xca, (byte) 0xfe}).build(scratch),
                plugins.resolve("bundles-api.jar"));
        Files.move(new PluginJarBuilder("exploding").extension(ExplodingConstructorHandler.class).build(scratch),
                plugins.resolve("exploding.jar"));
        Files.move(new PluginJarBuilder("unconfigured").extension(UnconfiguredServiceHandler.class).build(scratch),
                plugins.resolve("unconfigured.jar"));

        start();

        assertEquals(List.of("recorder"), runtime.handlers().stream().map(h -> h.name()).toList());
        assertTrue(reasonFor("truncated.jar").contains("not a readable JAR"), reasonFor("truncated.jar"));
        assertTrue(reasonFor("no-descriptor.jar").contains("Plugin-Id"), reasonFor("no-descriptor.jar"));
        assertTrue(reasonFor("needs-api-9.jar").contains(">=9.0.0"), reasonFor("needs-api-9.jar"));
        assertTrue(reasonFor("bundles-api.jar").contains("dev/eventbus/api/Event.class"), reasonFor("bundles-api.jar"));
        assertTrue(reasonFor("exploding.jar").contains("no database configured"), reasonFor("exploding.jar"));
        assertTrue(reasonFor("unconfigured.jar").contains("billing.v1.Billing"), reasonFor("unconfigured.jar"));
        assertEquals(6, runtime.pluginFailures().size(), runtime.pluginFailures().toString());

        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publish("it-stream", Map.of("type", "it.recorded", "subject", "still-works"));
            Streams.await("the good plugin handles events", Duration.ofSeconds(10), () -> orders.appliedCount() == 1);
        }
    }

    @Test
    void callToUndeclaredServiceFailsTheEventNotTheRuntime() throws Exception {
        new PluginJarBuilder("sneaky").extension(UndeclaredCallHandler.class).build(plugins);
        start();
        assertEquals(List.of("sneaky"), runtime.handlers().stream().map(h -> h.name()).toList());
        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publish("it-stream", Map.of("type", "it.recorded"));
            Streams.await("the event stays pending", Duration.ofSeconds(10),
                    () -> streams.pending("it-stream", "sneaky") == 1);
        }
        assertEquals(0, orders.calls().size());
    }

    @Test
    void aStartHookMissingItsConfigKeyRefusesTheHandlerAtLoadNamingTheKey() throws Exception {
        new PluginJarBuilder("thresholds").version("1.0.0").extension(ThresholdHandler.class)
                .extension(RecordingHandler.class)
                .resource("reference.conf", "eventbus.plugins.thresholds { threshold = null }").build(plugins);
        start();
        assertEquals(List.of("recorder"), runtime.handlers().stream().map(h -> h.name()).toList(),
                "the plugin's other handler runs");
        String reason = reasonFor("thresholds-1.0.0.jar");
        assertTrue(reason.startsWith("handler 'threshold': start(config) failed: ")
                && reason.contains("Configuration key 'threshold' is set to null"), reason);
        runtime.stop();

        runtime = TestRuntimes.start(REDIS.uri(), plugins, orders, "admission",
                Map.of("eventbus.plugins.thresholds.threshold", 100));
        assertEquals(List.of(), runtime.pluginFailures());
        try (Streams streams = new Streams(REDIS.uri())) {
            String within = streams.publish("threshold-stream", Map.of("type", "it.amount", "amount", "50"));
            Streams.await("handled with the configured threshold", Duration.ofSeconds(10), () -> orders.calls().stream()
                    .anyMatch(c -> c.orderId().equals(within) && c.requestEventId().equals("threshold|100")));
        }
    }

    @Test
    void pluginSeesItsOwnLibrariesAndTheRuntimesGrpc() throws Exception {
        Files.copy(Path.of("target/test-plugins/payments-plugin.jar"), plugins.resolve("payments.jar"));
        start();
        var handler = runtime.handlers().get(0);
        ClassLoader loader = handler.classLoader();
        assertEquals(io.grpc.Channel.class, loader.loadClass("io.grpc.Channel"), "gRPC is shared, parent-first");
        assertEquals(dev.eventbus.api.Event.class, loader.loadClass("dev.eventbus.api.Event"));
        Class<?> stub = loader.loadClass("dev.eventbus.samples.orders.v1.OrderServiceGrpc");
        assertEquals(loader, stub.getClassLoader(), "the plugin's own generated stubs come from its JAR");
        assertEquals(false, handler.pluginConfig().getBoolean("log-calls"), "the plugin's reference.conf defaults apply");
    }
}
