package dev.eventbus.runtime.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.EventbusRuntime;
import dev.eventbus.runtime.fixtures.ConfigProbeHandler;
import dev.eventbus.runtime.fixtures.LibraryProbeHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.RuntimeProbeHandler;
import dev.eventbus.runtime.plugin.PluginFailure;
import dev.eventbus.samples.orders.OrderServer;
import dev.eventbus.samples.orders.OrderServer.ReceivedCall;
import dev.eventbus.testkit.PluginJarBuilder;
import dev.eventbus.testkit.RedisExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Plugin isolation, allow-list admission, per-plugin config, and two instances sharing a group. */
class PluginIsolationIT {

    /** Generous: a wait returns as soon as its condition holds, and CI machines may be slow. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final RedisExtension REDIS = new RedisExtension();

    @TempDir
    Path plugins;

    @TempDir
    Path work;

    private OrderServer orders;
    private EventbusRuntime runtime;
    private EventbusRuntime second;

    @BeforeEach
    void setUp() throws Exception {
        REDIS.command("FLUSHALL");
        orders = OrderServer.start(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (EventbusRuntime r : new EventbusRuntime[] {runtime, second}) {
            if (r != null) {
                r.stop();
            }
        }
        orders.close();
    }

    private EventbusRuntime start(String consumer, Map<String, Object> extra) {
        return start(consumer, extra, dev.eventbus.runtime.stream.DeliveryObserver.NONE);
    }

    private EventbusRuntime start(
            String consumer, Map<String, Object> extra, dev.eventbus.runtime.stream.DeliveryObserver observer) {
        return TestRuntimes.start(REDIS.uri(), plugins, orders, consumer, extra, observer);
    }

    /** Compiles one version of a private library class, as a plugin's own dependency would ship it. */
    private byte[] libraryClass(String version) throws Exception {
        Path src = Files.createDirectories(work.resolve("src-" + version + "/com/acme/lib"))
                .resolve("Lib.java");
        Files.writeString(
                src,
                "package com.acme.lib; public class Lib { public static String version() { return \"" + version
                        + "\"; } }");
        Path out = Files.createDirectories(work.resolve("out-" + version));
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", out.toString(), src.toString());
        assertEquals(0, rc, "javac");
        return Files.readAllBytes(out.resolve("com/acme/lib/Lib.class"));
    }

    @Test
    void twoPluginsBundlingDifferentVersionsOfALibraryEachSeeTheirOwn() throws Exception {
        new PluginJarBuilder("probe-a")
                .extension(LibraryProbeHandler.class)
                .resource("handler-name.txt", "probe-a")
                .resource("com/acme/lib/Lib.class", libraryClass("1.0"))
                .build(plugins);
        new PluginJarBuilder("probe-b")
                .extension(LibraryProbeHandler.class)
                .resource("handler-name.txt", "probe-b")
                .resource("com/acme/lib/Lib.class", libraryClass("2.0"))
                .build(plugins);
        runtime = start("iso", Map.of());
        assertEquals(
                Set.of("probe-a", "probe-b"),
                runtime.view().handlers().stream().map(h -> h.name()).collect(Collectors.toSet()));
        try (Streams streams = new Streams(REDIS.uri())) {
            for (int i = 0; i < 10; i++) {
                streams.publish("lib-stream", Map.of("type", "it.lib"));
            }
            Streams.await("both handlers handled all", WAIT, () -> orders.appliedCount() == 20);
        }
        Map<String, Set<String>> seen = orders.calls().stream()
                .collect(Collectors.groupingBy(
                        c -> c.requestEventId().split("\\|")[0],
                        Collectors.mapping(c -> c.requestEventId().split("\\|")[1], Collectors.toSet())));
        assertEquals(Map.of("probe-a", Set.of("1.0"), "probe-b", Set.of("2.0")), seen);
    }

    @Test
    void aPluginCannotLoadTheRuntimesOwnClasses() throws Exception {
        new PluginJarBuilder("runtime-probe")
                .extension(RuntimeProbeHandler.class)
                .build(plugins);
        runtime = start("probe", Map.of());
        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publish("probe-stream", Map.of("type", "it.probe"));
            Streams.await("the probe reported", WAIT, () -> orders.appliedCount() == 1);
        }
        String outcome = orders.calls().get(0).requestEventId();
        assertTrue(
                outcome.startsWith("runtime-probe|refused: dev.eventbus.runtime.config.ConfigLoader is part of the "
                        + "Eventbus runtime"),
                outcome);
        assertTrue(outcome.contains("only dev.eventbus.api and the shared libraries"), outcome);
    }

    @Test
    void aPluginIsHandedOnlyItsOwnSubtreeOverItsOwnDefaults() throws Exception {
        new PluginJarBuilder("config-probe")
                .extension(ConfigProbeHandler.class)
                .resource("reference.conf", """
                eventbus.plugins.config-probe { greeting = hi, limit = 1 }
                eventbus.plugins.other { token = set-by-the-probe }
                eventbus.admin.token = set-by-the-probe
                """)
                .build(plugins);
        runtime = start(
                "config",
                Map.of(
                        "eventbus.plugins.config-probe.limit",
                        7,
                        "eventbus.plugins.other.token",
                        "another-plugins-secret",
                        "eventbus.admin.token",
                        "admin-secret"));
        try (Streams streams = new Streams(REDIS.uri())) {
            streams.publish("probe-stream", Map.of("type", "it.config"));
            Streams.await("the probe reported", WAIT, () -> orders.appliedCount() == 1);
        }
        assertEquals(
                "start:greeting=hi,limit=7|handle:greeting=hi,limit=7",
                orders.calls().get(0).requestEventId(),
                "its own subtree, the operator's value over its default; nothing of the runtime's or another "
                        + "plugin's config, nor what its reference.conf sets outside its subtree");
    }

    @Test
    void allowListAdmitsOnlyMatchingJars() throws Exception {
        Path allowed = new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        new PluginJarBuilder("stranger")
                .version("1.0.0")
                .extension(LibraryProbeHandler.class)
                .resource("handler-name.txt", "stranger")
                .build(plugins);
        String sha = sha256(allowed);
        runtime = start(
                "allow",
                Map.of(
                        "eventbus.plugin-host.allow-list",
                        List.of(
                                Map.of("id", "recorder", "version", "1.0.0", "sha256", sha),
                                Map.of("id", "stranger", "sha256", "00".repeat(32)))));
        assertEquals(
                List.of("recorder"),
                runtime.view().handlers().stream().map(h -> h.name()).toList());
        PluginFailure refused = runtime.view().pluginFailures().get(0);
        assertEquals("stranger", refused.pluginId());
        assertTrue(refused.reason().contains("allow-list"), refused.reason());
    }

    @Test
    void pluginConfigKeysThePluginDoesNotDefineAreRefused() throws Exception {
        Files.copy(Path.of("target/test-plugins/payments-plugin.jar"), plugins.resolve("payments.jar"));
        runtime = start("conf", Map.of("eventbus.plugins.payments.log-calss", true));
        assertTrue(runtime.view().handlers().isEmpty());
        String reason = runtime.view().pluginFailures().get(0).reason();
        assertTrue(reason.contains("eventbus.plugins.payments.log-calss"), reason);
    }

    @Test
    void twoInstancesSharingAGroupSplitTheWorkAndLoseNothing() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        java.util.concurrent.atomic.AtomicInteger first = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger other = new java.util.concurrent.atomic.AtomicInteger();
        runtime = start("node-1", Map.of(), counting(first));
        second = start("node-2", Map.of(), counting(other));
        int n = 3000;
        try (Streams streams = new Streams(REDIS.uri())) {
            List<Map<String, String>> events = java.util.stream.IntStream.range(0, n)
                    .mapToObj(i -> Map.of("type", "it.recorded", "subject", "x-" + i))
                    .toList();
            streams.publishAll("it-stream", events);
            Streams.await("all handled", Duration.ofSeconds(30), () -> orders.appliedCount() == n);
            Streams.await("nothing pending", WAIT, () -> streams.pending("it-stream", "recorder") == 0);
        }
        assertEquals(n, first.get() + other.get());
        assertTrue(first.get() > 0 && other.get() > 0, "both instances handled events: " + first + " / " + other);
        System.out.printf(
                "scale-out: %d events split %d / %d between two instances, 0 lost, 0 duplicates%n",
                n, first.get(), other.get());
        assertEquals(
                n, orders.calls().stream().map(ReceivedCall::orderId).distinct().count());
        assertEquals(0, orders.duplicates());
    }

    private static dev.eventbus.runtime.stream.DeliveryObserver counting(
            java.util.concurrent.atomic.AtomicInteger counter) {
        return new dev.eventbus.runtime.stream.DeliveryObserver() {
            @Override
            public void handled(dev.eventbus.runtime.stream.Subscription s, dev.eventbus.api.Event e, long nanos) {
                counter.incrementAndGet();
            }
        };
    }

    private static String sha256(Path file) throws Exception {
        var digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
        return java.util.HexFormat.of().formatHex(digest);
    }
}
