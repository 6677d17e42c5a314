package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.cli.AdmissionCheckMain;
import dev.eventbus.runtime.config.ConfigLoader;
import dev.eventbus.runtime.config.RuntimeConfig;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.fixtures.ThresholdHandler;
import dev.eventbus.runtime.rpc.RpcChannelRegistry;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admission check of the plugin build: real JARs the runtime refuses fail it with the reason the
 * runtime records (and logs) for the same JAR; an admissible JAR passes. {@code AdmissionCheckMain}
 * runs the check in a JVM of its own: these calls start one each.
 */
class AdmissionCheckTest {

    @TempDir
    Path dir;

    /** The refusals of the runtime's own plugin host, loading the plugins directory as `run` does. */
    private List<PluginFailure> runtimeRefusals(Path pluginsDir) {
        RuntimeConfig config = ConfigLoader.load(
                Optional.empty(),
                ConfigFactory.parseMap(Map.of(
                        "eventbus.plugins-dir",
                        pluginsDir.toString(),
                        "eventbus.grpc.services.\"orders.v1.OrderService\".target",
                        "127.0.0.1:1")));
        try (RpcChannelRegistry rpc = new RpcChannelRegistry(config.services());
                PluginHost host = new PluginHost(pluginsDir, Versions.pluginApi(), config, rpc)) {
            host.start();
            return host.failures();
        }
    }

    private Path pluginsDir(String name) throws Exception {
        return Files.createDirectories(dir.resolve(name));
    }

    @Test
    void anAdmissibleJarPasses() throws Exception {
        Path jar =
                new PluginJarBuilder("good").extension(RecordingHandler.class).build(pluginsDir("good"));
        assertEquals(List.of(), AdmissionCheck.check(jar, Versions.pluginApi()));
        AdmissionCheckMain.main(new String[] {jar.toString()});
    }

    @Test
    void aStallTimeoutThatIsNoPositiveDurationIsRefusedNamingTheProperty() throws Exception {
        Path jar =
                new PluginJarBuilder("good").extension(RecordingHandler.class).build(pluginsDir("good"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> AdmissionCheckMain.main(new String[] {"--stall-timeout=soon", jar.toString()}));
        assertEquals(
                "--stall-timeout=soon (eventbus.admission-check.stall-timeout): not a duration; write one as the "
                        + "config file does, 2m or 30s",
                e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> AdmissionCheckMain.main(new String[] {"--stall-timeout=0s", jar.toString()}));
        assertEquals("--stall-timeout=0s (eventbus.admission-check.stall-timeout): must be positive", e.getMessage());
        AdmissionCheckMain.main(new String[] {"--stall-timeout=1m", jar.toString()});
    }

    @Test
    void aJarBundlingGrpcFailsWithTheRuntimesMessage() throws Exception {
        Path jar = new PluginJarBuilder("bundler")
                .extension(RecordingHandler.class)
                .resource("io/grpc/Channel.class", new byte[] {(byte) 0xca, (byte) 0xfe})
                .build(pluginsDir("bundler"));
        List<PluginFailure> runtime = runtimeRefusals(jar.getParent());
        assertEquals(1, runtime.size(), runtime.toString());
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> AdmissionCheckMain.main(new String[] {jar.toString()}));
        assertEquals("the runtime would refuse it: " + runtime.get(0), e.getMessage());
        assertTrue(
                e.getMessage().contains("bundles a copy of a library the runtime shares (io/grpc/Channel.class)"),
                e.getMessage());
    }

    @Test
    void aStartHookFailingWithThePluginsDefaultsFailsWithTheRuntimesMessage() throws Exception {
        Path jar = new PluginJarBuilder("threshold")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", "eventbus.plugins.threshold { threshold = many }")
                .build(pluginsDir("threshold"));
        List<PluginFailure> runtime = runtimeRefusals(jar.getParent());
        assertEquals(1, runtime.size(), runtime.toString());
        assertTrue(
                runtime.get(0).reason().startsWith("handler 'threshold': start(config) failed: "), runtime.toString());
        assertEquals(runtime, AdmissionCheck.check(jar, Versions.pluginApi()));
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> AdmissionCheckMain.main(new String[] {jar.toString()}));
        assertEquals("the runtime would refuse it: " + runtime.get(0), e.getMessage());
    }

    /**
     * Found from outside: the README's advice (declare a required key {@code threshold = null}) failed
     * the plugin's own {@code mvn verify}. A key left null for the operator is a note, not a refusal.
     */
    @Test
    void aStartHookFailingOnlyOnAKeyTheDefaultsLeaveNullIsANoteNamingItNotAFailure() throws Exception {
        Path jar = new PluginJarBuilder("threshold")
                .extension(ThresholdHandler.class)
                .resource("reference.conf", "eventbus.plugins.threshold { threshold = null }")
                .build(pluginsDir("required"));
        List<PluginFailure> runtime = runtimeRefusals(jar.getParent());
        assertEquals(1, runtime.size(), "the runtime still refuses it while unset: " + runtime);
        java.io.PrintStream before = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            AdmissionCheckMain.main(new String[] {jar.toString()});
        } finally {
            System.setOut(before);
        }
        String out = printed.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(out.contains("(plugin threshold): operators must set eventbus.plugins.threshold.threshold "), out);
    }

    @Test
    void anUnparsableReferenceConfFails() throws Exception {
        Path jar = new PluginJarBuilder("broken")
                .extension(RecordingHandler.class)
                .resource("reference.conf", "eventbus.plugins.broken { limit = ")
                .build(pluginsDir("broken"));
        List<PluginFailure> check = AdmissionCheck.check(jar, Versions.pluginApi());
        assertEquals(runtimeRefusals(jar.getParent()), check);
        assertTrue(check.get(0).reason().startsWith("its reference.conf cannot be read: "), check.toString());
    }
}
