package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.ManifestlessJar;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.SecondRecordingHandler;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of a plugins directory with JARs that claim one plugin id or handler name, refused
 * JARs that stay refused and silent until they change, and a reload held back by workers already
 * abandoned. Real plugin JARs; the subscriptions are a fake, the clock is driven by the test.
 */
class PluginReloaderTest {

    private static final Duration QUIET = Duration.ofSeconds(1);

    @TempDir
    Path dir;

    private Path plugins;
    private Path builds;
    private RpcChannelRegistry rpc;
    private PluginHost host;
    private PluginReloader reloader;
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final List<String> started = new ArrayList<>();
    private final List<String> stopped = new ArrayList<>();
    private final List<StuckWorker> abandoned = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void directories() throws Exception {
        plugins = Files.createDirectories(dir.resolve("plugins"));
        builds = Files.createDirectories(dir.resolve("builds"));
        logs.start();
        for (Class<?> c : List.of(PluginReloader.class, Refusals.class, PluginHost.class)) {
            ((Logger) LoggerFactory.getLogger(c)).addAppender(logs);
        }
    }

    @AfterEach
    void close() {
        for (Class<?> c : List.of(PluginReloader.class, Refusals.class, PluginHost.class)) {
            ((Logger) LoggerFactory.getLogger(c)).detachAppender(logs);
        }
        if (host != null) {
            host.close();
        }
        if (rpc != null) {
            rpc.close();
        }
    }

    /** Builds a plugin JAR in a directory of its own and returns it (not yet in the plugins directory). */
    private Path build(String id, String version, Class<?>... handlers) throws Exception {
        PluginJarBuilder builder = new PluginJarBuilder(id).version(version);
        for (Class<?> h : handlers) {
            builder.extension(h);
            if (h == SecondRecordingHandler.class) {
                builder.addClass(RecordingHandler.class); // its superclass
            }
        }
        return builder.build(Files.createDirectories(builds.resolve(id + "-" + version + "-" + System.nanoTime())));
    }

    /** Puts a JAR into the plugins directory as the README says: beside it under another name, then mv. */
    private void deploy(Path jar, String name) throws Exception {
        Path part = plugins.resolve("." + name + ".part");
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        Files.move(part, plugins.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void startRuntime() throws Exception {
        Path file = dir.resolve("application.conf");
        Files.writeString(
                file,
                "eventbus.plugins-dir = \"" + plugins + "\"\n"
                        + "eventbus.grpc.services.\"orders.v1.OrderService\".target = \"127.0.0.1:1\"\n");
        RuntimeConfig config = ConfigLoader.load(Optional.of(file));
        LivePluginConfig live = new LivePluginConfig(config);
        rpc = new RpcChannelRegistry(config.services());
        host = new PluginHost(plugins, Versions.pluginApi(), config, rpc, live);
        host.start().forEach(h -> started.add(h.pluginId() + " " + h.pluginVersion() + " " + h.name()));
        reloader = new PluginReloader(
                plugins,
                host,
                live,
                new SubscriptionControl() {
                    @Override
                    public void start(List<LoadedHandler> handlers) {
                        handlers.forEach(h -> started.add(h.pluginId() + " " + h.pluginVersion() + " " + h.name()));
                    }

                    @Override
                    public List<StuckWorker> stop(String pluginId) {
                        stopped.add(pluginId);
                        return List.of();
                    }

                    @Override
                    public List<StuckWorker> abandoned(String pluginId) {
                        return abandoned.stream().filter(StuckWorker::isRunning).toList();
                    }
                },
                Duration.ofSeconds(1),
                QUIET,
                new Clock() {
                    @Override
                    public Instant instant() {
                        return now;
                    }

                    @Override
                    public java.time.ZoneId getZone() {
                        return ZoneOffset.UTC;
                    }

                    @Override
                    public Clock withZone(java.time.ZoneId zone) {
                        return this;
                    }
                });
    }

    /** Two looks at the directory, the quiet period apart: what changed is acted on. */
    private void settle() throws Exception {
        reloader.poll();
        now = now.plus(QUIET).plusMillis(1);
        reloader.poll();
    }

    private List<String> errors() {
        return logs.list.stream()
                .filter(e -> e.getLevel() == Level.ERROR)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    private List<String> lines(String containing) {
        return logs.list.stream()
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(containing))
                .toList();
    }

    /** Found from outside: each refusal was logged at start and again by the reload thread's first look. */
    @Test
    void aJarRefusedAtStartIsNotTriedOrLoggedAgainByHotReloadWhileItIsUnchanged() throws Exception {
        deploy(build("recorder", "1.0.0", RecordingHandler.class), "recorder.jar");
        Files.write(plugins.resolve("broken.jar"), new byte[] {1, 2, 3});
        startRuntime();
        assertEquals(1, errors().size(), errors().toString());

        settle();
        settle();

        assertEquals(1, errors().size(), errors().toString());
        assertEquals(List.of(), lines("new JAR"));
        assertEquals(
                List.of("broken.jar"),
                host.failures().stream().map(PluginFailure::source).toList());

        Files.write(plugins.resolve("broken.jar"), new byte[] {4, 5, 6, 7});
        settle();
        assertEquals(List.of("plugin reload: new JAR broken.jar"), lines("new JAR"), "changed, it is tried again");
        assertEquals(2, errors().size(), errors().toString());
    }

    /**
     * Found from outside: after any JAR's removal, every refused JAR was tried again and logged at
     * ERROR as if new. Only the JARs that claimed what the removed one claimed are tried again.
     */
    @Test
    void aRemovalTriesAgainOnlyTheJarsThatClaimedWhatTheRemovedJarClaimed() throws Exception {
        deploy(build("first", "1.0.0", RecordingHandler.class), "first.jar");
        deploy(build("second", "1.0.0", RecordingHandler.class), "second.jar");
        deploy(build("other", "1.0.0", SecondRecordingHandler.class), "other.jar");
        Files.write(plugins.resolve("broken.jar"), new byte[] {1, 2, 3});
        startRuntime();
        assertEquals(List.of("other 1.0.0 recorder-2"), started);
        assertEquals(3, errors().size(), "broken.jar, and first.jar and second.jar for their one handler name");
        settle();

        Files.delete(plugins.resolve("second.jar"));
        settle();

        assertEquals(List.of("other 1.0.0 recorder-2", "first 1.0.0 recorder"), started);
        assertEquals(
                List.of("plugin reload: trying first.jar again: second.jar, which claimed its plugin id or a handler"
                        + " name too, was removed"),
                lines("trying"));
        assertEquals(
                List.of("broken.jar"),
                host.failures().stream().map(PluginFailure::source).toList());

        Files.delete(plugins.resolve("other.jar"));
        settle();
        assertEquals(3, errors().size(), "broken.jar is not logged again: " + errors());
        assertEquals(List.of(), lines("new JAR"));
    }

    /**
     * Found from outside: a JAR with a malformed Plugin-Requires or without a manifest made every
     * reload fail (LexerException, NullPointerException) and held back the changes queued after
     * it. Each is refused once, alone; a later upgrade of another plugin goes through.
     */
    @Test
    void aJarWithAnUnreadablePluginRequiresOrNoManifestIsRefusedAndTheOtherChangesGoOn() throws Exception {
        deploy(build("recorder", "1.0.0", RecordingHandler.class), "recorder.jar");
        startRuntime();
        deploy(
                new PluginJarBuilder("badrequires")
                        .requires(">>>what")
                        .extension(SecondRecordingHandler.class)
                        .addClass(RecordingHandler.class)
                        .build(Files.createDirectories(builds.resolve("bad"))),
                "bad.jar");
        deploy(
                ManifestlessJar.of(build("bare", "1.0.0", SecondRecordingHandler.class), builds.resolve("bare.jar")),
                "bare.jar");
        settle();
        deploy(build("recorder", "2.0.0", RecordingHandler.class), "recorder.jar");
        settle();
        settle();

        assertEquals(List.of("recorder 1.0.0 recorder", "recorder 2.0.0 recorder"), started);
        assertEquals("2.0.0", host.installed().get("recorder.jar").version());
        assertEquals(
                List.of("bad.jar", "bare.jar"),
                host.failures().stream().map(PluginFailure::source).sorted().toList());
        assertEquals(2, errors().size(), "each refused once, in one line: " + errors());
        assertTrue(
                errors().stream()
                        .anyMatch(e -> e.contains("bad.jar")
                                && e.contains("Plugin-Requires '>>>what' cannot be read as a version range")),
                errors().toString());
        assertTrue(
                errors().stream().anyMatch(e -> e.contains("bare.jar") && e.contains("has no META-INF/MANIFEST.MF")),
                errors().toString());
    }

    /**
     * An upgrade under a new file name: the new JAR is refused while the old one runs (its refusal
     * says a restart would refuse both), and admitted once the old JAR is removed.
     */
    @Test
    void aJarWithTheIdOfARunningPluginIsAdmittedOnceThatPluginsJarIsRemoved() throws Exception {
        deploy(build("recorder", "1.0.0", RecordingHandler.class), "recorder-1.0.0.jar");
        startRuntime();
        deploy(build("recorder", "2.0.0", RecordingHandler.class), "recorder-2.0.0.jar");
        settle();
        assertEquals(1, errors().size(), errors().toString());
        assertTrue(errors().get(0).contains("at the next start both JARs would be refused"), errors().toString());
        settle();
        assertEquals(1, errors().size(), "refused once: " + errors());

        Files.delete(plugins.resolve("recorder-1.0.0.jar"));
        settle();

        assertEquals(List.of("recorder 1.0.0 recorder", "recorder 2.0.0 recorder"), started);
        assertEquals(List.of(), host.failures());
    }

    /**
     * The README's upgrade (the new JAR beside the old under a name not ending in .jar, then mv onto
     * it) goes through while a JAR refused for the running plugin's id lies beside it.
     */
    @Test
    void replacingTheRunningJarInPlaceWorksBesideAJarRefusedForItsId() throws Exception {
        deploy(build("recorder", "1.0.0", RecordingHandler.class), "recorder.jar");
        startRuntime();
        deploy(build("recorder", "1.5.0", RecordingHandler.class), "recorder-copy.jar");
        settle();
        assertEquals(
                List.of("recorder-copy.jar"),
                host.failures().stream().map(PluginFailure::source).toList());

        deploy(build("recorder", "2.0.0", RecordingHandler.class), "recorder.jar");
        settle();

        assertEquals(List.of("recorder 1.0.0 recorder", "recorder 2.0.0 recorder"), started);
        assertEquals("2.0.0", host.installed().get("recorder.jar").version());
        assertEquals(
                List.of("recorder-copy.jar"),
                host.failures().stream().map(PluginFailure::source).toList());
    }

    /**
     * Found from outside: each attempt to reload a version with workers abandoned after their
     * timeout stopped its reading for the whole shutdown grace, then gave up. Refused at once now,
     * nothing stopped; once they returned, the reload goes through.
     */
    @Test
    void aReloadHeldBackByWorkersAlreadyAbandonedIsRefusedAtOnceWithoutStoppingAnything() throws Exception {
        deploy(build("recorder", "1.0.0", RecordingHandler.class), "recorder.jar");
        startRuntime();
        AtomicBoolean running = new AtomicBoolean(true);
        abandoned.add(new StuckWorker("recorder", "eventbus-worker#7", "orders", "1-0", running::get));
        deploy(build("recorder", "2.0.0", RecordingHandler.class), "recorder.jar");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> reloader.reloadNow("recorder"));

        assertEquals(
                "not reloaded: 1 worker(s) of recorder 1.0.0 ignored the interrupt after their handler's timeout"
                        + " (abandoned) and still run its code ([worker eventbus-worker#7 of handler recorder on orders"
                        + " 1-0]), so 1.0.0 keeps running and is not unloaded until they return",
                e.getMessage());
        assertEquals(List.of(), stopped, "nothing stopped reading");
        settle();
        assertEquals(List.of(), stopped, "hot reload waits for them too");
        assertEquals("1.0.0", host.installed().get("recorder.jar").version());

        running.set(false);
        settle();
        assertEquals(List.of("recorder"), stopped);
        assertEquals("2.0.0", host.installed().get("recorder.jar").version());
    }
}
