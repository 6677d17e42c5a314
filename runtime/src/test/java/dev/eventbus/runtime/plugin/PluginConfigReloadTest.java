package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A plugin reload reads the runtime's config file again: a changed plugin setting reaches the new
 * version without a restart; a config the plugin would be refused with, a file that became invalid,
 * or a changed target of a service the plugin calls refuses the reload and the old version keeps
 * running with its config. Real plugin JARs, a real config file changed between versions.
 */
class PluginConfigReloadTest {

    private static final String TARGET = "eventbus.grpc.services.\"orders.v1.OrderService\".target";

    @TempDir
    Path dir;

    private Path file;
    private Path plugins;
    private RpcChannelRegistry rpc;
    private PluginHost host;
    private PluginReloader reloader;
    private final List<String> started = new ArrayList<>();

    private void writeConfig(String body) throws Exception {
        Files.writeString(file, "eventbus.plugins-dir = \"" + plugins + "\"\n" + body + "\n");
    }

    /** Builds a version of the threshold plugin into the plugins directory, always as threshold.jar. */
    private void deploy(String version) throws Exception {
        Path built = new PluginJarBuilder("threshold")
                .version(version)
                .extension(ThresholdHandler.class)
                .resource("reference.conf", "eventbus.plugins.threshold { threshold = null }")
                .build(Files.createDirectories(dir.resolve("built")));
        Files.move(built, plugins.resolve("threshold.jar"), StandardCopyOption.REPLACE_EXISTING);
    }

    @BeforeEach
    void startWithVersionOne() throws Exception {
        file = dir.resolve("application.conf");
        plugins = Files.createDirectories(dir.resolve("plugins"));
        writeConfig("eventbus.plugins.threshold.threshold = 100\n" + TARGET + " = \"127.0.0.1:1\"");
        deploy("1.0.0");
        RuntimeConfig config = ConfigLoader.load(Optional.of(file));
        LivePluginConfig live = new LivePluginConfig(config);
        rpc = new RpcChannelRegistry(config.services());
        host = new PluginHost(plugins, Versions.pluginApi(), config, rpc, live);
        assertEquals(1, host.start().size(), host.failures().toString());
        reloader = newReloader(live);
    }

    private PluginReloader newReloader(LivePluginConfig live) {
        return new PluginReloader(
                plugins,
                host,
                live,
                new SubscriptionControl() {
                    @Override
                    public void start(List<LoadedHandler> handlers) {
                        handlers.forEach(h -> started.add(h.pluginVersion() + " threshold "
                                + h.pluginConfig().getLong("threshold")));
                    }

                    @Override
                    public List<StuckWorker> stop(String pluginId) {
                        return List.of();
                    }

                    @Override
                    public List<StuckWorker> abandoned(String pluginId) {
                        return List.of();
                    }
                },
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                Clock.systemUTC());
    }

    @AfterEach
    void close() {
        host.close();
        rpc.close();
    }

    private long runningThreshold() {
        return host.handlers().get(0).pluginConfig().getLong("threshold");
    }

    private String runningVersion() {
        return host.handlers().get(0).pluginVersion();
    }

    @Test
    void aChangedSettingReachesTheReloadedVersion() throws Exception {
        assertEquals(100, runningThreshold());
        writeConfig("eventbus.plugins.threshold.threshold = 5\n" + TARGET + " = \"127.0.0.1:1\"");
        deploy("2.0.0");
        reloader.reloadNow("threshold");
        assertEquals(List.of("2.0.0 threshold 5"), started);
        assertEquals(5, runningThreshold());
        assertEquals(List.of(), host.failures());
        // The same JAR again with only the config changed: `plugins reload` applies it too.
        writeConfig("eventbus.plugins.threshold.threshold = 7\n" + TARGET + " = \"127.0.0.1:1\"");
        reloader.reloadNow("threshold");
        assertEquals(7, runningThreshold());
    }

    @Test
    void aKeyTheNewVersionDoesNotDefineRefusesTheReloadAndTheOldVersionRunsOn() throws Exception {
        writeConfig("eventbus.plugins.threshold { threshold = 5, treshold = 6 }\n" + TARGET + " = \"127.0.0.1:1\"");
        deploy("2.0.0");
        AdmissionException e = assertThrows(AdmissionException.class, () -> reloader.reloadNow("threshold"));
        assertTrue(
                e.getMessage()
                        .startsWith("config has keys the plugin does not define in its reference.conf: "
                                + "'eventbus.plugins.threshold.treshold' (" + file + ": 2)"),
                e.getMessage());
        assertEquals("1.0.0", runningVersion());
        assertEquals(100, runningThreshold());
        assertEquals(List.of(), started, "nothing was stopped or started");
        assertEquals(e.getMessage(), host.failures().get(0).reason());
    }

    /**
     * Found from outside: a setting the handler's start hook rejects refused the reload, and the
     * restored old version was admitted with the new setting too, so it was refused as well and no
     * version ran. The old version is restored with the config it ran with.
     */
    @Test
    void aSettingTheStartHookRejectsRefusesTheReloadAndTheOldVersionRunsOnWithItsOldConfig() throws Exception {
        writeConfig("eventbus.plugins.threshold.threshold = \"many\"\n" + TARGET + " = \"127.0.0.1:1\"");
        Logger log = (Logger) LoggerFactory.getLogger(PluginReloader.class);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        log.addAppender(logs);
        AdmissionException e;
        try {
            e = assertThrows(AdmissionException.class, () -> reloader.reloadNow("threshold"));
        } finally {
            log.detachAppender(logs);
        }
        assertTrue(e.getMessage().contains("start(config) failed"), e.getMessage());
        // Said as it is (found from outside: "new threshold.jar failed to load", of the same JAR).
        assertEquals(
                List.of(
                        "plugin reload: threshold.jar (unchanged, the running threshold 1.0.0) refused: "
                                + e.getMessage() + "; restoring threshold 1.0.0 with the config it ran with",
                        "plugin reload: threshold 1.0.0 restored and running"),
                logs.list.stream()
                        .map(ILoggingEvent::getFormattedMessage)
                        .filter(m -> m.contains("refused") || m.contains("restor"))
                        .toList());
        assertEquals("1.0.0", runningVersion());
        assertEquals(100, runningThreshold());
        assertEquals(List.of("1.0.0 threshold 100"), started, "the old version was started again, with its config");
        assertEquals(1, host.failures().size(), host.failures().toString());
        assertTrue(
                host.failures().get(0).reason().contains("start(config) failed"),
                host.failures().toString());
        // Fixed, the reload applies the new setting and the refusal is gone.
        writeConfig("eventbus.plugins.threshold.threshold = 5\n" + TARGET + " = \"127.0.0.1:1\"");
        reloader.reloadNow("threshold");
        assertEquals(5, runningThreshold());
        assertEquals(List.of(), host.failures());
    }

    @Test
    void aConfigFileThatBecameInvalidRefusesTheReload() throws Exception {
        writeConfig("eventbus.plugins.threshold { threshold = ");
        deploy("2.0.0");
        AdmissionException e = assertThrows(AdmissionException.class, () -> reloader.reloadNow("threshold"));
        assertTrue(e.getMessage().startsWith("the config file " + file + " is invalid now: "), e.getMessage());
        assertEquals("1.0.0", runningVersion());
        assertEquals(100, runningThreshold());
        assertEquals(e.getMessage(), host.failures().get(0).reason());
        // Fixed, the same reload goes through and the refusal is gone.
        writeConfig("eventbus.plugins.threshold.threshold = 5\n" + TARGET + " = \"127.0.0.1:1\"");
        reloader.reloadNow("threshold");
        assertEquals(5, runningThreshold());
        assertEquals(List.of(), host.failures());
    }

    /** Found from outside: a plugin refused as a whole could not be reloaded by id ("not installed"). */
    @Test
    void aPluginRefusedAtStartByItsConfigIsAdmittedByIdOnceTheFileIsFixed() throws Exception {
        host.close();
        writeConfig("eventbus.plugins.threshold { threshold = 5, treshold = 6 }\n" + TARGET + " = \"127.0.0.1:1\"");
        RuntimeConfig config = ConfigLoader.load(Optional.of(file));
        LivePluginConfig live = new LivePluginConfig(config);
        host = new PluginHost(plugins, Versions.pluginApi(), config, rpc, live);
        assertEquals(0, host.start().size(), "the typo refuses the plugin");
        assertEquals(1, host.failures().size(), host.failures().toString());
        reloader = newReloader(live);

        writeConfig("eventbus.plugins.threshold.threshold = 5\n" + TARGET + " = \"127.0.0.1:1\"");
        assertEquals("1.0.0", reloader.reloadNow("threshold").version());
        assertEquals(List.of("1.0.0 threshold 5"), started);
        assertEquals(List.of(), host.failures(), "the fixed plugin's refusal is gone");
        assertThrows(IllegalArgumentException.class, () -> reloader.reloadNow("nobody"));
    }

    /**
     * Found from outside: a plugin refused at start for a missing target, the operator adds it to
     * the file, and `plugins reload` answered "add eventbus.grpc.services...target": the advice they
     * had just followed. The channels are made at start, so the answer is a restart.
     */
    @Test
    void aTargetAddedSinceStartSaysARestartAppliesItRatherThanToAddIt() throws Exception {
        host.close();
        rpc.close();
        writeConfig("eventbus.plugins.threshold.threshold = 5");
        RuntimeConfig config = ConfigLoader.load(Optional.of(file));
        LivePluginConfig live = new LivePluginConfig(config);
        rpc = new RpcChannelRegistry(config.services());
        host = new PluginHost(plugins, Versions.pluginApi(), config, rpc, live);
        assertEquals(0, host.start().size(), "no target: the handler is refused");
        assertTrue(
                host.failures()
                        .get(0)
                        .reason()
                        .endsWith("but it has no target: add " + TARGET + " to the runtime config and restart it"),
                host.failures().toString());
        reloader = newReloader(live);

        writeConfig("eventbus.plugins.threshold.threshold = 5\n" + TARGET + " = \"127.0.0.1:1\"");
        AdmissionException e = assertThrows(AdmissionException.class, () -> reloader.reloadNow("threshold"));
        String restart = "handler 'threshold': declares gRPC service 'orders.v1.OrderService', but "
                + "eventbus.grpc.services.\"orders.v1.OrderService\" was added to the config file since the runtime "
                + "started; gRPC targets take effect on restart only: restart eventbus";
        assertTrue(e.getMessage().startsWith(restart), e.getMessage());
        assertEquals(
                List.of(restart),
                host.failures().stream().map(PluginFailure::reason).toList(),
                "the refusal shown is the current one");
        assertEquals(List.of(), started);

        // What the restart does: a runtime started with the file as it is now admits the handler.
        host.close();
        rpc.close();
        RuntimeConfig restarted = ConfigLoader.load(Optional.of(file));
        rpc = new RpcChannelRegistry(restarted.services());
        host = new PluginHost(plugins, Versions.pluginApi(), restarted, rpc, new LivePluginConfig(restarted));
        assertEquals(1, host.start().size(), host.failures().toString());
    }

    @Test
    void aChangedTargetOfAServiceThePluginCallsSaysARestartAppliesIt() throws Exception {
        writeConfig("eventbus.plugins.threshold.threshold = 5\n" + TARGET + " = \"127.0.0.1:2\"");
        AdmissionException e = assertThrows(AdmissionException.class, () -> reloader.reloadNow("threshold"));
        assertEquals(
                "eventbus.grpc.services.\"orders.v1.OrderService\" changed in the config file since the runtime "
                        + "started; gRPC targets take effect on restart only: restart eventbus, or undo the change to reload",
                e.getMessage());
        assertEquals(100, runningThreshold());
    }
}
