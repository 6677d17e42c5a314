package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.ExplodingConstructorHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.runtime.fixtures.UnconfiguredServiceHandler;
import dev.eventbus.runtime.fixtures.UndeclaredCallHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Broken plugins beside a good one: each is refused with its reason, the good one runs. */
class PluginAdmissionIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @TempDir
    Path scratch;

    @RegisterExtension
    final RuntimeFixture env = RuntimeFixture.on(REDIS);

    private EventbusRuntime runtime;

    private void start() {
        runtime = env.start("admission", Map.of());
    }

    private String reasonFor(String source) {
        return runtime.view().pluginFailures().stream()
                .filter(f -> f.source().equals(source))
                .map(PluginFailure::reason)
                .findFirst()
                .orElseThrow(() -> new AssertionError(
                        source + " was not refused: " + runtime.view().pluginFailures()));
    }

    @Test
    void brokenPluginsAreRefusedWithReasonsAndTheGoodOneRuns() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(env.plugins());
        Path good = new PluginJarBuilder("other")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(scratch);
        PluginJarBuilder.truncate(good, env.plugins().resolve("truncated.jar"));
        Files.move(
                new PluginJarBuilder("nodesc")
                        .withoutDescriptor()
                        .extension(RecordingHandler.class)
                        .build(scratch),
                env.plugins().resolve("no-descriptor.jar"));
        Files.move(
                new PluginJarBuilder("future")
                        .requires(">=9.0.0")
                        .extension(RecordingHandler.class)
                        .build(scratch),
                env.plugins().resolve("needs-api-9.jar"));
        Files.move(
                new PluginJarBuilder("bundler")
                        .extension(RecordingHandler.class)
                        .resource("dev/eventbus/api/Event.class", new byte[] {(byte) 0xca, (byte) 0xfe})
                        .build(scratch),
                env.plugins().resolve("bundles-api.jar"));
        Files.move(
                new PluginJarBuilder("exploding")
                        .extension(ExplodingConstructorHandler.class)
                        .build(scratch),
                env.plugins().resolve("exploding.jar"));
        Files.move(
                new PluginJarBuilder("unconfigured")
                        .extension(UnconfiguredServiceHandler.class)
                        .build(scratch),
                env.plugins().resolve("unconfigured.jar"));

        start();

        assertEquals(
                List.of("recorder"),
                runtime.view().handlers().stream().map(h -> h.name()).toList());
        assertTrue(reasonFor("truncated.jar").contains("not a readable JAR"), reasonFor("truncated.jar"));
        assertTrue(reasonFor("no-descriptor.jar").contains("Plugin-Id"), reasonFor("no-descriptor.jar"));
        assertTrue(reasonFor("needs-api-9.jar").contains(">=9.0.0"), reasonFor("needs-api-9.jar"));
        assertTrue(reasonFor("bundles-api.jar").contains("dev/eventbus/api/Event.class"), reasonFor("bundles-api.jar"));
        assertTrue(reasonFor("exploding.jar").contains("no database configured"), reasonFor("exploding.jar"));
        assertTrue(reasonFor("unconfigured.jar").contains("billing.v1.Billing"), reasonFor("unconfigured.jar"));
        assertEquals(
                6,
                runtime.view().pluginFailures().size(),
                runtime.view().pluginFailures().toString());

        env.publish("it-stream", Map.of("type", "it.recorded", "subject", "still-works"));
        Streams.await("the good plugin handles events", WAIT, () -> env.orders().appliedCount() == 1);
    }

    @Test
    void callToUndeclaredServiceFailsTheEventNotTheRuntime() throws Exception {
        new PluginJarBuilder("sneaky").extension(UndeclaredCallHandler.class).build(env.plugins());
        start();
        assertEquals(
                List.of("sneaky"),
                runtime.view().handlers().stream().map(h -> h.name()).toList());
        env.publish("it-stream", Map.of("type", "it.recorded"));
        Streams.await("the event stays pending", WAIT, () -> env.streams().pending("it-stream", "sneaky") == 1);
        assertEquals(0, env.orders().calls().size());
    }

    @Test
    void aStartHookMissingItsConfigKeyRefusesTheHandlerAtLoadNamingTheKey() throws Exception {
        new PluginJarBuilder("thresholds")
                .version("1.0.0")
                .extension(ThresholdHandler.class)
                .extension(RecordingHandler.class)
                .resource("reference.conf", "eventbus.plugins.thresholds { threshold = null }")
                .build(env.plugins());
        start();
        assertEquals(
                List.of("recorder"),
                runtime.view().handlers().stream().map(h -> h.name()).toList(),
                "the plugin's other handler runs");
        String reason = reasonFor("thresholds-1.0.0.jar");
        assertTrue(
                reason.startsWith("handler 'threshold': start(config) failed: ")
                        && reason.contains("Configuration key 'threshold' is set to null"),
                reason);
        runtime.stop();

        runtime = env.start("admission", Map.of("eventbus.plugins.thresholds.threshold", 100));
        assertEquals(List.of(), runtime.view().pluginFailures());
        String within = env.publish("threshold-stream", Map.of("type", "it.amount", "amount", "50"));
        Streams.await(
                "handled with the configured threshold",
                WAIT,
                () -> env.orders().calls().stream()
                        .anyMatch(c ->
                                c.orderId().equals(within) && c.requestEventId().equals("threshold|100")));
    }

    @Test
    void pluginSeesItsOwnLibrariesAndTheRuntimesGrpc() throws Exception {
        Files.copy(
                Path.of("target/test-plugins/payments-plugin.jar"),
                env.plugins().resolve("payments.jar"));
        start();
        var handler = runtime.view().handlers().get(0);
        ClassLoader loader = handler.classLoader();
        assertEquals(io.grpc.Channel.class, loader.loadClass("io.grpc.Channel"), "gRPC is shared, parent-first");
        assertEquals(dev.eventbus.api.Event.class, loader.loadClass("dev.eventbus.api.Event"));
        Class<?> stub = loader.loadClass("dev.eventbus.samples.orders.v1.OrderServiceGrpc");
        assertEquals(loader, stub.getClassLoader(), "the plugin's own generated stubs come from its JAR");
        assertEquals(
                false, handler.pluginConfig().getBoolean("log-calls"), "the plugin's reference.conf defaults apply");
    }
}
