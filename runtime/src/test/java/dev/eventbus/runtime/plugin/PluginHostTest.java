package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.BraceStreamHandler;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.SecondRecordingHandler;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.testkit.PluginJarBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The plugin lifecycle on real JARs, without Redis: install, refuse, uninstall, restore. */
class PluginHostTest {

    @TempDir
    Path plugins;

    @TempDir
    Path staging;

    @TempDir
    Path builds;

    private RpcChannelRegistry rpc;
    private PluginHost host;

    private PluginHost host(Map<String, Object> extra) {
        Map<String, Object> settings = new HashMap<>(Map.of(
                "eventbus.plugins-dir", plugins.toString(),
                "eventbus.plugin-host.staging-dir", staging.toString(),
                "eventbus.grpc.services.\"orders.v1.OrderService\".target", "127.0.0.1:1"));
        settings.putAll(extra);
        RuntimeConfig config = ConfigLoader.load(Optional.empty(), ConfigFactory.parseMap(settings));
        rpc = new RpcChannelRegistry(config.services());
        host = new PluginHost(plugins, "0.1.0", config, rpc);
        return host;
    }

    @AfterEach
    void close() {
        if (host != null) {
            host.close();
        }
        if (rpc != null) {
            rpc.close();
        }
    }

    private static long files(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }

    /** A plugins path that is a file is said to be one, not to be missing: the operator looks there. */
    @Test
    void aPluginsPathThatIsAFileStartsNoHandlerAndSaysWhy() throws Exception {
        Path file = Files.writeString(builds.resolve("plugins"), "not a directory");
        host(Map.of()).close();
        Logger log = (Logger) LoggerFactory.getLogger(PluginHost.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        log.addAppender(logs);
        try {
            RuntimeConfig config = ConfigLoader.load(
                    Optional.empty(),
                    ConfigFactory.parseMap(Map.of(
                            "eventbus.plugins-dir", file.toString(),
                            "eventbus.plugin-host.staging-dir", staging.toString())));
            host = new PluginHost(file, "0.1.0", config, rpc);

            assertEquals(List.of(), host.start());

            assertTrue(
                    logs.list.stream()
                            .anyMatch(e -> e.getFormattedMessage()
                                    .equals("plugins directory " + file.toAbsolutePath()
                                            + " is not a directory: no handlers will run")),
                    logs.list.toString());
        } finally {
            log.detachAppender(logs);
        }
    }

    @Test
    void startAdmitsTheGoodJarAndRecordsTheBrokenOne() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        Files.write(plugins.resolve("broken.jar"), new byte[] {1, 2, 3});
        List<LoadedHandler> handlers = host(Map.of()).start();
        assertEquals(
                List.of("recorder"), handlers.stream().map(LoadedHandler::name).toList());
        assertEquals(List.of("recorder-1.0.0.jar"), List.copyOf(host.installed().keySet()));
        assertEquals(1, host.failures().size(), host.failures().toString());
        assertEquals("broken.jar", host.failures().get(0).source());
        assertTrue(
                host.failures().get(0).reason().startsWith("not a readable JAR"),
                host.failures().toString());
        assertEquals(1, files(staging), "only the admitted JAR stays staged");
    }

    /**
     * A plugin compiled for a newer Java than the runtime runs on is refused naming both versions,
     * not left to end the runtime with the JVM's UnsupportedClassVersionError; nothing of it stays
     * loaded, so a rebuilt JAR of the same id is admitted afterwards.
     */
    @Test
    void aPluginBuiltForANewerJavaIsRefusedNamingBothJavaVersions() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        String handler = SecondRecordingHandler.class.getName();
        String entry = handler.replace('.', '/') + ".class";
        byte[] bytes;
        try (InputStream in = SecondRecordingHandler.class.getClassLoader().getResourceAsStream(entry)) {
            bytes = in.readAllBytes();
        }
        int java = Runtime.version().feature();
        int major = java + 45; // the class file version of the next Java
        bytes[6] = (byte) (major >> 8);
        bytes[7] = (byte) major;
        new PluginJarBuilder("future")
                .version("1.0.0")
                .resource(entry, bytes)
                .resource("META-INF/extensions.idx", handler + "\n")
                .build(plugins);

        List<LoadedHandler> handlers = host(Map.of()).start();

        assertEquals(
                List.of("recorder"), handlers.stream().map(LoadedHandler::name).toList());
        assertEquals(1, host.failures().size(), host.failures().toString());
        PluginFailure refused = host.failures().get(0);
        assertEquals("future-1.0.0.jar", refused.source());
        assertEquals(
                "its handler classes cannot be loaded: " + handler + " is compiled for Java " + (java + 1)
                        + " (class file version " + major + "), but this runtime runs on Java " + java
                        + ": build the plugin with maven.compiler.release 21 (the plugin parent's setting) or run"
                        + " Eventbus on Java " + (java + 1) + " or newer",
                refused.reason());

        Path rebuilt = new PluginJarBuilder("future")
                .version("1.0.1")
                .addClass(RecordingHandler.class)
                .extension(SecondRecordingHandler.class)
                .build(builds);
        assertEquals("future", host.install(rebuilt).pluginId(), "the refused plugin was unloaded");
    }

    /** A lifecycle class, built into a JAR for the next Java below. */
    public static class FuturePlugin extends org.pf4j.Plugin {}

    /**
     * A Plugin-Class compiled for a newer Java fails in PF4J's start, which catches the error and
     * marks the plugin FAILED: the refusal names both Java versions there too (found in review: it
     * gave the raw "has been compiled by a more recent version" message).
     */
    @Test
    void aPluginClassBuiltForANewerJavaIsRefusedNamingBothJavaVersions() throws Exception {
        String entry = FuturePlugin.class.getName().replace('.', '/') + ".class";
        byte[] bytes;
        try (InputStream in = FuturePlugin.class.getClassLoader().getResourceAsStream(entry)) {
            bytes = in.readAllBytes();
        }
        int java = Runtime.version().feature();
        int major = java + 45;
        bytes[6] = (byte) (major >> 8);
        bytes[7] = (byte) major;
        new PluginJarBuilder("future")
                .version("1.0.0")
                .pluginClass(FuturePlugin.class)
                .resource(entry, bytes)
                .extension(RecordingHandler.class)
                .build(plugins);

        List<LoadedHandler> handlers = host(Map.of()).start();

        assertTrue(handlers.isEmpty(), handlers.toString());
        assertEquals(1, host.failures().size(), host.failures().toString());
        String reason = host.failures().get(0).reason();
        assertTrue(
                reason.contains(FuturePlugin.class.getName() + " is compiled for Java " + (java + 1)
                        + " (class file version " + major + "), but this runtime runs on Java " + java),
                reason);
    }

    /**
     * A handler class that cannot be loaded (here its superclass is not in the JAR) is refused by
     * name beside the plugin's other handlers, which run; PF4J alone only logs it and leaves it out,
     * so it silently never ran (or, alone in its JAR, the plugin was said to have no handler).
     */
    @Test
    void aHandlerClassThatCannotBeLoadedIsRefusedByNameBesideTheOthers() throws Exception {
        new PluginJarBuilder("mixed")
                .version("1.0.0")
                .extension(BraceStreamHandler.class)
                .extension(SecondRecordingHandler.class) // without RecordingHandler, its superclass
                .build(plugins);

        List<LoadedHandler> handlers = host(Map.of()).start();

        assertEquals(
                List.of("braces"), handlers.stream().map(LoadedHandler::name).toList());
        assertEquals(1, host.failures().size(), host.failures().toString());
        String reason = host.failures().get(0).reason();
        assertTrue(
                reason.startsWith("handler class " + SecondRecordingHandler.class.getName() + " cannot be loaded: "),
                reason);
        assertTrue(reason.contains(RecordingHandler.class.getName()), reason);
        assertTrue(reason.endsWith("(is every class it needs packed into the plugin JAR?)"), reason);

        new PluginJarBuilder("alone")
                .version("1.0.0")
                .extension(SecondRecordingHandler.class)
                .build(builds);
        AdmissionException alone =
                assertThrows(AdmissionException.class, () -> host.install(builds.resolve("alone-1.0.0.jar")));
        assertTrue(
                alone.getMessage().startsWith("handler class " + SecondRecordingHandler.class.getName()),
                alone.getMessage());
    }

    /**
     * The refusal of a handler class that cannot be loaded is the one line said of it: PF4J, which
     * finds the class in the plugin's index, logged it too, at ERROR with a stack trace naming only the
     * class that is missing.
     */
    @Test
    void aHandlerClassThatCannotBeLoadedIsLoggedOnceWithoutAStackTrace() throws Exception {
        new PluginJarBuilder("mixed")
                .version("1.0.0")
                .extension(BraceStreamHandler.class)
                .extension(SecondRecordingHandler.class) // without RecordingHandler, its superclass
                .build(plugins);
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        try {
            assertEquals(1, host(Map.of()).start().size());
        } finally {
            root.detachAppender(logs);
        }

        List<ILoggingEvent> pf4j = logs.list.stream()
                .filter(e -> e.getLoggerName().startsWith("org.pf4j."))
                .toList();
        assertEquals(List.of(), pf4j);
        List<ILoggingEvent> said = logs.list.stream()
                .filter(e -> e.getFormattedMessage().contains(SecondRecordingHandler.class.getName()))
                .toList();
        assertEquals(1, said.size(), said.toString());
        assertEquals(Refusals.class.getName(), said.get(0).getLoggerName());
        assertEquals(null, said.get(0).getThrowableProxy(), said.get(0).getFormattedMessage());
    }

    @Test
    void installThrowsTheRefusalAndRecordsIt() throws Exception {
        Path jar = new PluginJarBuilder("recorder")
                .extension(RecordingHandler.class)
                .build(builds);
        host(Map.of("eventbus.plugin-host.allow-list", List.of(Map.of("id", "other", "sha256", "00".repeat(32)))));
        AdmissionException e = assertThrows(AdmissionException.class, () -> host.install(jar));
        assertEquals(AdmissionException.Stage.ALLOW_LIST, e.stage());
        assertEquals(List.of(e.failure(jar.getFileName().toString())), host.failures());
        assertEquals(0, files(staging), "a refused JAR's staged copy is deleted");
    }

    @Test
    void aSecondJarWithAnInstalledIdIsRefused() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        host(Map.of()).start();
        Path copy = new PluginJarBuilder("recorder")
                .version("2.0.0")
                .extension(SecondRecordingHandler.class)
                .build(builds);
        AdmissionException e = assertThrows(AdmissionException.class, () -> host.install(copy));
        assertEquals(AdmissionException.Stage.LOAD, e.stage());
        assertEquals("plugin id 'recorder' is already installed from recorder-1.0.0.jar", e.getMessage());
    }

    /** A handler name another plugin has is refused naming that plugin's handler class and JAR. */
    @Test
    void aHandlerNameAnotherPluginHasIsRefusedNamingThatPluginAndJar() throws Exception {
        new PluginJarBuilder("first")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        new PluginJarBuilder("second")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);

        assertEquals(1, host(Map.of()).start().size());

        assertEquals(
                List.of(new PluginFailure(
                        "second-1.0.0.jar",
                        "second",
                        "handler 'recorder': another handler already uses this name: handler class "
                                + RecordingHandler.class.getName()
                                + " of plugin first (first-1.0.0.jar) (handler names must be unique: they name"
                                + " consumer groups)")),
                host.failures());
    }

    @Test
    void precheckRefusesWithoutLoadingAndRecordsTheRefusalAsTheJarsLatest() throws Exception {
        Path broken = Files.write(builds.resolve("broken.jar"), new byte[] {1, 2, 3});
        host(Map.of());
        AdmissionException e = assertThrows(AdmissionException.class, () -> host.precheck(broken));
        assertEquals(AdmissionException.Stage.READ, e.stage());
        assertEquals(List.of(e.failure("broken.jar")), host.failures());
        assertEquals(0, files(staging));
    }

    @Test
    void aHandlerRefusedBesideAdmittedOnesStaysRecordedUntilTheJarIsAdmittedWhole() throws Exception {
        Path mixed = new PluginJarBuilder("mixed")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .extension(dev.eventbus.runtime.fixtures.UnconfiguredServiceHandler.class)
                .build(builds);
        host(Map.of());
        InstalledPlugin installed = host.install(mixed);
        assertEquals(
                List.of("recorder"),
                installed.handlers().stream().map(LoadedHandler::name).toList());
        assertEquals(1, host.failures().size(), host.failures().toString());
        assertTrue(
                host.failures().get(0).reason().startsWith("handler 'needs-billing': declares gRPC service"),
                host.failures().toString());

        host.uninstall(installed.source(), false);
        Path fixed = new PluginJarBuilder("mixed")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(Files.createDirectories(builds.resolve("fixed")));
        host.install(fixed);
        assertEquals(List.of(), host.failures(), "no stale reason once admitted whole");
    }

    @Test
    void restoringTheOldVersionKeepsTheRefusalsOfTheNewerJar() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        host(Map.of()).start();
        InstalledPlugin old = host.installed().get("recorder-1.0.0.jar");
        host.uninstall(old.source(), true);
        Path newer = new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(dev.eventbus.runtime.fixtures.ExplodingConstructorHandler.class)
                .build(Files.createDirectories(builds.resolve("newer")));
        assertThrows(AdmissionException.class, () -> host.install(newer));

        host.reinstall(old);
        assertEquals(
                List.of("recorder"),
                host.handlers().stream().map(LoadedHandler::name).toList());
        assertEquals(1, host.failures().size(), host.failures().toString());
        assertTrue(
                host.failures().get(0).reason().contains("no database configured"),
                host.failures().toString());
    }

    @Test
    void checkingOrInstallingTheSameContentAgainLeavesTheRunningVersionsCopyAlone() throws Exception {
        Path jar = new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        host(Map.of()).start();
        InstalledPlugin running = host.installed().get("recorder-1.0.0.jar");
        host.precheck(jar);
        assertTrue(Files.exists(running.staged()), "the check before a reload deleted the running version's copy");

        host.uninstall(running.source(), true);
        InstalledPlugin again = host.install(jar);
        host.discardStaged(running);
        assertTrue(Files.exists(again.staged()), "discarding the old copy deleted the new version's");
    }

    @Test
    void uninstallUnloadsAndReinstallRestoresFromTheKeptCopy() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        host(Map.of()).start();
        InstalledPlugin old = host.installed().get("recorder-1.0.0.jar");
        host.uninstall(old.source(), true);
        assertEquals(List.of(), host.handlers());
        assertTrue(Files.exists(old.staged()), "kept for a restore");

        InstalledPlugin restored = host.reinstall(old);
        assertEquals("1.0.0", restored.version());
        assertEquals(
                List.of("recorder"),
                host.handlers().stream().map(LoadedHandler::name).toList());
    }
}
