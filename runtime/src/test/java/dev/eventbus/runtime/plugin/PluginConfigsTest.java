package dev.eventbus.runtime.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin's config: the operator's subtree over the plugin's own reference.conf defaults. */
class PluginConfigsTest {

    @TempDir
    Path dir;

    private ClassLoader pluginWithReference(String reference) throws Exception {
        Files.writeString(dir.resolve("reference.conf"), reference);
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, null);
    }

    private static PluginConfigs operatorSets(Map<String, Object> values) {
        return new PluginConfigs(id -> id.equals("pay") ? ConfigFactory.parseMap(values) : ConfigFactory.empty());
    }

    @Test
    void theOperatorsValuesOverrideThePluginsDefaults() throws Exception {
        ClassLoader loader = pluginWithReference("eventbus.plugins.pay { limit = 10, log-calls = false }");
        Config config = operatorSets(Map.of("limit", 99)).assemble("pay", loader);
        assertEquals(99, config.getInt("limit"));
        assertEquals(false, config.getBoolean("log-calls"));
    }

    @Test
    void aKeyThePluginDoesNotDefineIsRefusedNamingIt() throws Exception {
        ClassLoader loader = pluginWithReference("eventbus.plugins.pay { limit = 10 }");
        AdmissionException e = assertThrows(
                AdmissionException.class, () -> operatorSets(Map.of("limt", 99)).assemble("pay", loader));
        assertEquals(Stage.CONFIG, e.stage());
        assertEquals("pay", e.pluginId());
        assertTrue(
                e.getMessage()
                        .startsWith("config has keys the plugin does not define in its reference.conf: "
                                + "'eventbus.plugins.pay.limt'"),
                e.getMessage());
    }

    /**
     * Defaults under another plugin id than the JAR's (plugin.id changed in the pom, or a typo in
     * the file) reach no handler: refused naming both paths, where a start hook or every event would
     * otherwise fail with "No configuration setting found" and no word of why.
     */
    @Test
    void aReferenceForAnotherPluginIdIsRefusedNamingBothPaths() throws Exception {
        ClassLoader loader = pluginWithReference("eventbus.plugins.payments { limit = 10 }");
        AdmissionException e = assertThrows(
                AdmissionException.class, () -> operatorSets(Map.of()).assemble("pay", loader));
        assertEquals(Stage.CONFIG, e.stage());
        assertEquals(
                "its reference.conf defines eventbus.plugins.payments but not eventbus.plugins.pay, the plugin's own"
                        + " id (Plugin-Id, from plugin.id in its pom): its defaults would reach none of its handlers;"
                        + " name the block after the plugin id",
                e.getMessage());

        assertEquals(
                ConfigFactory.empty(),
                operatorSets(Map.of()).assemble("pay", pluginWithReference("other.library.setting = 1")),
                "a reference.conf without plugin defaults is fine");
    }

    @Test
    void anUnparsableReferenceIsRefused() throws Exception {
        ClassLoader loader = pluginWithReference("eventbus.plugins.pay { limit = ");
        AdmissionException e = assertThrows(
                AdmissionException.class, () -> operatorSets(Map.of()).assemble("pay", loader));
        assertEquals(Stage.CONFIG, e.stage());
        assertTrue(e.getMessage().startsWith("its reference.conf cannot be read: "), e.getMessage());
    }
}
