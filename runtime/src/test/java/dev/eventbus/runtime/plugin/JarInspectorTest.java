package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.runtime.config.PluginSettings;
import dev.eventbus.runtime.fixtures.ManifestlessJar;
import dev.eventbus.runtime.fixtures.RecordingHandler;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import dev.eventbus.testkit.PluginJarBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks a JAR passes before PF4J loads a class of it, on real JARs. */
class JarInspectorTest {

    @TempDir
    Path dir;

    private static final String SHA = "ab".repeat(32);

    private JarInspector inspector(PluginSettings.Allowed... allowed) {
        return new JarInspector(new EventbusPluginManager(dir, "0.1.0"), new AllowList(List.of(allowed)));
    }

    private AdmissionException refusal(JarInspector inspector, Path jar) {
        return assertThrows(AdmissionException.class, () -> inspector.inspect(new StagedJar(jar, SHA)));
    }

    @Test
    void aGoodJarYieldsTheDescriptorPf4jReads() {
        Path jar = new PluginJarBuilder("good")
                .version("1.2.3")
                .extension(RecordingHandler.class)
                .build(dir);
        var descriptor = inspector().inspect(new StagedJar(jar, SHA));
        assertEquals("good", descriptor.getPluginId());
        assertEquals("1.2.3", descriptor.getVersion());
    }

    @Test
    void aTruncatedJarIsRefusedAsUnreadable() {
        Path good =
                new PluginJarBuilder("good").extension(RecordingHandler.class).build(dir);
        AdmissionException e = refusal(inspector(), PluginJarBuilder.truncate(good, dir.resolve("cut.jar")));
        assertEquals(Stage.READ, e.stage());
        assertNull(e.pluginId());
        assertTrue(e.getMessage().startsWith("not a readable JAR"), e.getMessage());
    }

    @Test
    void aJarWithoutDescriptorIsRefusedNamingPluginId() {
        Path jar = new PluginJarBuilder("none")
                .withoutDescriptor()
                .extension(RecordingHandler.class)
                .build(dir);
        AdmissionException e = refusal(inspector(), jar);
        assertEquals(Stage.DESCRIPTOR, e.stage());
        assertTrue(e.getMessage().contains("has no Plugin-Id"), e.getMessage());
    }

    @Test
    void anUnmetPluginRequiresIsRefusedBeforeLoading() {
        Path jar = new PluginJarBuilder("future")
                .requires(">=9.0.0")
                .extension(RecordingHandler.class)
                .build(dir);
        AdmissionException e = refusal(inspector(), jar);
        assertEquals(Stage.DESCRIPTOR, e.stage());
        assertEquals("future", e.pluginId());
        assertEquals("requires plugin-api >=9.0.0 but this runtime provides 0.1.0", e.getMessage());
    }

    /** Found from outside: jsemver's LexerException ended start and stalled hot reload, naming no JAR. */
    @Test
    void aPluginRequiresThatIsNoVersionRangeIsRefusedNamingIt() {
        Path jar = new PluginJarBuilder("badrequires")
                .requires(">>>what")
                .extension(RecordingHandler.class)
                .build(dir);
        AdmissionException e = refusal(inspector(), jar);
        assertEquals(Stage.DESCRIPTOR, e.stage());
        assertEquals("badrequires", e.pluginId());
        assertTrue(
                e.getMessage().startsWith("Plugin-Requires '>>>what' cannot be read as a version range: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("'what'"), "jsemver's reason: " + e.getMessage());
    }

    /** Found from outside: a NullPointerException ended start and stalled hot reload, naming no JAR. */
    @Test
    void aJarWithoutManifestIsRefusedSayingSo() {
        Path jar = ManifestlessJar.of(
                new PluginJarBuilder("bare").extension(RecordingHandler.class).build(dir), dir.resolve("bare.jar"));
        AdmissionException e = refusal(inspector(), jar);
        assertEquals(Stage.DESCRIPTOR, e.stage());
        assertNull(e.pluginId());
        assertEquals(
                "no PF4J descriptor: the JAR has no META-INF/MANIFEST.MF (build it with eventbus-plugin-parent)",
                e.getMessage());
    }

    /** An empty Plugin-Requires asks nothing of the runtime (PF4J's "*"); a version need not be semver. */
    @Test
    void anEmptyPluginRequiresAndAVersionThatIsNoSemverAreRead() {
        Path jar = new PluginJarBuilder("loose")
                .version("banana")
                .requires("")
                .extension(RecordingHandler.class)
                .build(dir);
        var descriptor = inspector().inspect(new StagedJar(jar, SHA));
        assertEquals("banana", descriptor.getVersion());
        assertEquals("*", descriptor.getRequires());
    }

    @Test
    void aBundledSharedLibraryIsRefusedNamingTheEntry() {
        Path jar = new PluginJarBuilder("bundler")
                .extension(RecordingHandler.class)
                .resource("io/grpc/Channel.class", new byte[] {(byte) 0xca, (byte) 0xfe})
                .build(dir);
        AdmissionException e = refusal(inspector(), jar);
        assertEquals(Stage.CONTENTS, e.stage());
        assertEquals("bundler", e.pluginId());
        assertTrue(e.getMessage().contains("(io/grpc/Channel.class)"), e.getMessage());
    }

    @Test
    void theAllowListAdmitsOnlyAMatchingEntry() {
        Path jar = new PluginJarBuilder("listed")
                .version("1.0.0")
                .extension(RecordingHandler.class)
                .build(dir);
        inspector(new PluginSettings.Allowed("listed", "1.0.0", SHA)).inspect(new StagedJar(jar, SHA));

        AdmissionException e = refusal(inspector(new PluginSettings.Allowed("listed", "1.0.0", "00".repeat(32))), jar);
        assertEquals(Stage.ALLOW_LIST, e.stage());
        assertEquals(
                "not on eventbus.plugin-host.allow-list (id listed, version 1.0.0, sha256 " + SHA + ")",
                e.getMessage());
    }
}
