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
import dev.eventbus.runtime.fixtures.ManifestlessJar;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.SecondRecordingHandler;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.testkit.PluginJarBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
     * Found from outside: a malformed Plugin-Requires (jsemver's LexerException) and a JAR without a
     * manifest (PF4J's NullPointerException) ended start; each is a refusal of its JAR alone.
     */
    @Test
    void startRefusesAJarWithAnUnreadablePluginRequiresOrNoManifestAndAdmitsTheOthers() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        Files.move(
                new PluginJarBuilder("badrequires")
                        .requires(">>>what")
                        .extension(SecondRecordingHandler.class)
                        .addClass(RecordingHandler.class)
                        .build(builds),
                plugins.resolve("bad.jar"));
        ManifestlessJar.of(
                new PluginJarBuilder("bare").extension(BraceStreamHandler.class).build(builds),
                plugins.resolve("bare.jar"));

        List<LoadedHandler> handlers = host(Map.of()).start();

        assertEquals(
                List.of("recorder"), handlers.stream().map(LoadedHandler::name).toList());
        assertEquals(
                List.of("bad.jar", "bare.jar"),
                host.failures().stream().map(PluginFailure::source).toList());
        PluginFailure bad = host.failures().get(0);
        assertEquals("badrequires", bad.pluginId());
        assertTrue(
                bad.reason().startsWith("Plugin-Requires '>>>what' cannot be read as a version range: "), bad.reason());
        PluginFailure bare = host.failures().get(1);
        assertTrue(bare.reason().startsWith("no PF4J descriptor: the JAR has no META-INF/MANIFEST.MF"), bare.reason());
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
        // In its place: another JAR of its id beside it would be refused, as at start, for that id.
        Path inPlace = Files.copy(rebuilt, plugins.resolve("future-1.0.0.jar"), StandardCopyOption.REPLACE_EXISTING);
        assertEquals("future", host.install(inPlace).pluginId(), "the refused plugin was unloaded");
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

    /**
     * Hot reload: a JAR that comes with the plugin id of a running plugin is refused, the running
     * one keeps running, and the refusal says that a restart would refuse both.
     */
    @Test
    void aJarComingWithTheIdOfARunningPluginIsRefusedSayingARestartWouldRefuseBoth() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        host(Map.of()).start();
        Path copy = new PluginJarBuilder("recorder")
                .version("2.0.0")
                .extension(SecondRecordingHandler.class)
                .build(plugins);
        AdmissionException e = assertThrows(AdmissionException.class, () -> host.install(copy));
        assertEquals(AdmissionException.Stage.LOAD, e.stage());
        assertEquals(
                "plugin id 'recorder' is already installed from recorder-1.0.0.jar (version 1.0.0, running): it keeps"
                        + " running; at the next start both JARs would be refused as ambiguous unless one of them is"
                        + " removed (to upgrade recorder-1.0.0.jar, copy the new JAR beside it under a name not ending"
                        + " in .jar and mv it onto recorder-1.0.0.jar)",
                e.getMessage());
        assertEquals(List.of("recorder-1.0.0.jar"), List.copyOf(host.installed().keySet()));
        assertEquals(Set.of("recorder-1.0.0.jar"), host.rivalsOf("recorder-2.0.0.jar"));
    }

    /**
     * Two JARs of one plugin id (an upgrade that left the old JAR beside the new one): which is
     * meant is ambiguous, so both are refused at start, whatever their file names, each naming the
     * other with both versions (found from outside: the earlier file name won, so which version ran
     * depended on how the files were named).
     */
    @Test
    void twoJarsOfOnePluginIdAreBothRefusedAtStartNamingBothFilesAndVersions() throws Exception {
        new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        new PluginJarBuilder("recorder")
                .version("2.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);

        assertEquals(List.of(), host(Map.of()).start());

        String remove = ": which JAR is meant is ambiguous, so none of them is admitted; remove all but one of"
                + " recorder-1.0.0.jar and recorder-2.0.0.jar from the plugins directory (to upgrade a plugin,"
                + " replace its JAR under the same file name)";
        assertEquals(
                List.of(
                        new PluginFailure(
                                "recorder-1.0.0.jar",
                                "recorder",
                                "plugin id 'recorder' (version 1.0.0 in this JAR) is also the id of recorder-2.0.0.jar"
                                        + " (version 2.0.0)" + remove),
                        new PluginFailure(
                                "recorder-2.0.0.jar",
                                "recorder",
                                "plugin id 'recorder' (version 2.0.0 in this JAR) is also the id of recorder-1.0.0.jar"
                                        + " (version 1.0.0)" + remove)),
                host.failures());
        assertEquals(Map.of(), host.installed());
        assertEquals(0, files(staging), "nothing of them stays staged");
        assertEquals(
                Set.of("recorder-1.0.0.jar", "recorder-2.0.0.jar"),
                host.refusedContent().keySet());
    }

    /**
     * Two JARs whose handlers have one name (it names the consumer group): both handlers are
     * refused at start, each naming the other's class and JAR, and no code of either runs the group
     * (found from outside: after a restart the other plugin's code acknowledged the group's events).
     */
    @Test
    void twoJarsWithAHandlerOfOneNameAreBothRefusedAtStartEachNamingTheOther() throws Exception {
        new PluginJarBuilder("first")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        new PluginJarBuilder("second")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);

        assertEquals(List.of(), host(Map.of()).start());

        String ambiguous = " has this name too: which one is meant is ambiguous (handler names name consumer groups),"
                + " so none of them runs; remove all but one of first-1.0.0.jar and second-1.0.0.jar from the plugins"
                + " directory, or rename the handler";
        assertEquals(
                List.of(
                        new PluginFailure(
                                "first-1.0.0.jar",
                                "first",
                                "handler 'recorder': handler class " + RecordingHandler.class.getName()
                                        + " of plugin second (second-1.0.0.jar)" + ambiguous),
                        new PluginFailure(
                                "second-1.0.0.jar",
                                "second",
                                "handler 'recorder': handler class " + RecordingHandler.class.getName()
                                        + " of plugin first (first-1.0.0.jar)" + ambiguous)),
                host.failures());
        assertEquals(Map.of(), host.installed(), "neither plugin stays loaded: it has no handler left");
        assertEquals(Set.of("second-1.0.0.jar"), host.rivalsOf("first-1.0.0.jar"));
    }

    /** Only the handler of the name both have is refused; each plugin's other handlers run. */
    @Test
    void aHandlerNameTwoJarsHaveRefusesOnlyThatHandlerInEach() throws Exception {
        new PluginJarBuilder("first")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .extension(SecondRecordingHandler.class)
                .build(plugins);
        new PluginJarBuilder("second")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);

        List<LoadedHandler> started = host(Map.of()).start();

        assertEquals(
                List.of("first recorder-2"),
                started.stream().map(h -> h.pluginId() + " " + h.name()).toList());
        assertEquals(List.of("first-1.0.0.jar"), List.copyOf(host.installed().keySet()));
        assertEquals(
                List.of("recorder-2"),
                host.installed().get("first-1.0.0.jar").handlers().stream()
                        .map(LoadedHandler::name)
                        .toList());
        assertEquals(
                List.of("first-1.0.0.jar", "second-1.0.0.jar"),
                host.failures().stream().map(PluginFailure::source).toList(),
                host.failures().toString());
        assertTrue(
                host.failures().get(0).reason().startsWith("handler 'recorder': "),
                host.failures().toString());
    }

    /**
     * Hot reload: a JAR that comes with a handler whose name a running handler has is refused, the
     * running one keeps running, and the refusal says that a restart would refuse both.
     */
    @Test
    void aHandlerComingWithTheNameOfARunningHandlerIsRefusedSayingARestartWouldRefuseBoth() throws Exception {
        new PluginJarBuilder("first")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        host(Map.of()).start();
        Path second = new PluginJarBuilder("second")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);

        assertThrows(AdmissionException.class, () -> host.install(second));

        assertEquals(
                List.of(new PluginFailure(
                        "second-1.0.0.jar",
                        "second",
                        "handler 'recorder': another handler already uses this name: handler class "
                                + RecordingHandler.class.getName()
                                + " of plugin first (first-1.0.0.jar) (handler names must be unique: they name"
                                + " consumer groups); it keeps running, and at the next start both would be refused"
                                + " as ambiguous unless one of the JARs is removed")),
                host.failures());
        assertEquals(List.of("first-1.0.0.jar"), List.copyOf(host.installed().keySet()));
    }

    /**
     * A JAR refused because a running plugin had its id does not hold that id against the running
     * plugin's own JAR: replaced in place (the README's upgrade), and restored, it runs on.
     */
    @Test
    void aJarRefusedForARunningPluginsIdDoesNotStopThatPluginsReplacementInPlace() throws Exception {
        Path running = new PluginJarBuilder("recorder")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(plugins);
        host(Map.of()).start();
        Path beside = new PluginJarBuilder("recorder")
                .version("3.0.0")
                .extension(RecordingHandler.class)
                .build(Files.createDirectories(builds.resolve("beside")));
        Path besideJar = Files.copy(beside, plugins.resolve("recorder-old-copy.jar"));
        assertThrows(AdmissionException.class, () -> host.install(besideJar));
        InstalledPlugin old = host.installed().get("recorder-1.0.0.jar");

        Path newer = new PluginJarBuilder("recorder")
                .version("2.0.0")
                .extension(RecordingHandler.class)
                .build(Files.createDirectories(builds.resolve("newer")));
        Files.copy(newer, running, StandardCopyOption.REPLACE_EXISTING);
        host.uninstall(old.source(), true);
        InstalledPlugin replaced = host.install(running);
        assertEquals("2.0.0", replaced.version());

        host.uninstall(replaced.source(), true);
        assertEquals("2.0.0", host.reinstall(replaced).version(), "restored in place too");
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
