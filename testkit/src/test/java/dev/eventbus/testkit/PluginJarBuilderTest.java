package dev.eventbus.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.eventbus.api.EventHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.JarPluginManager;
import org.pf4j.PluginManager;
import org.pf4j.PluginState;

class PluginJarBuilderTest {

    @TempDir
    Path dir;

    @Test
    void writesDescriptorClassesIndexAndResources() throws IOException {
        Path jar = new PluginJarBuilder("greetings")
                .version("2.1.0")
                .requires(">=0.1.0 & <1.0.0")
                .description("Says hello")
                .extension(GreetingHandler.class)
                .resource("reference.conf", "eventbus.plugins.greetings { polite = true }")
                .resource("data/blob.bin", new byte[] {0, 1, 2})
                .build(dir);

        assertEquals(dir.resolve("greetings-2.1.0.jar"), jar);
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            assertEquals("greetings", main.getValue("Plugin-Id"));
            assertEquals("2.1.0", main.getValue("Plugin-Version"));
            assertEquals(">=0.1.0 & <1.0.0", main.getValue("Plugin-Requires"));
            assertEquals("Says hello", main.getValue("Plugin-Description"));
            assertEquals("eventbus-testkit", main.getValue("Plugin-Provider"));
            assertNull(main.getValue("Plugin-Class"));

            List<String> names = Collections.list(file.entries()).stream()
                    .map(ZipEntry::getName)
                    .toList();
            String base = "dev/eventbus/testkit/GreetingHandler";
            for (String cls : List.of("", "$1", "$Inner", "$Nested")) {
                assertTrue(names.contains(base + cls + ".class"), base + cls + " missing from " + names);
            }
            assertEquals("dev.eventbus.testkit.GreetingHandler\n", text(file, "META-INF/extensions.idx"));
            assertEquals("eventbus.plugins.greetings { polite = true }", text(file, "reference.conf"));
            assertEquals(3, file.getInputStream(file.getEntry("data/blob.bin")).readAllBytes().length);
        }
    }

    @Test
    void defaults() throws IOException {
        Path jar = new PluginJarBuilder("plain").addClass(GreetingHandler.class).build(dir);
        assertEquals("plain-1.0.0.jar", jar.getFileName().toString());
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            assertEquals("1.0.0", main.getValue("Plugin-Version"));
            assertEquals(">=0.1.0", main.getValue("Plugin-Requires"));
            assertTrue(file.getEntry("dev/eventbus/testkit/GreetingHandler.class") != null);
            // addClass is not an extension.
            assertNull(file.getEntry("META-INF/extensions.idx"));
        }
    }

    @Test
    void withoutDescriptorHasNoPluginHeaders() throws IOException {
        Path jar = new PluginJarBuilder("anonymous")
                .extension(GreetingHandler.class)
                .withoutDescriptor()
                .build(dir);
        try (JarFile file = new JarFile(jar.toFile())) {
            Attributes main = file.getManifest().getMainAttributes();
            assertEquals("1.0", main.getValue(Attributes.Name.MANIFEST_VERSION));
            assertFalse(
                    main.keySet().stream().anyMatch(k -> k.toString().startsWith("Plugin-")),
                    main.keySet().toString());
        }
    }

    @Test
    void truncateMakesACorruptJar() throws IOException {
        Path jar =
                new PluginJarBuilder("broken").extension(GreetingHandler.class).build(dir);
        Path corrupt = PluginJarBuilder.truncate(jar, dir.resolve("corrupt.jar"));
        assertEquals(Files.size(jar) / 2, Files.size(corrupt));
        assertThrows(ZipException.class, () -> new JarFile(corrupt.toFile()).close());
    }

    @Test
    void refusesClassesWithoutClassFiles() {
        Runnable lambda = () -> {};
        assertThrows(IllegalArgumentException.class, () -> new PluginJarBuilder("x").addClass(lambda.getClass()));
        assertThrows(IllegalArgumentException.class, () -> new PluginJarBuilder(" "));
    }

    @Test
    void pf4jLoadsAndRunsTheBuiltPlugin() {
        new PluginJarBuilder("greetings")
                .pluginClass(GreetingPlugin.class)
                .extension(GreetingHandler.class)
                .build(dir);
        PluginManager manager = new JarPluginManager(dir);
        manager.setSystemVersion("0.1.0");
        try {
            manager.loadPlugins();
            manager.startPlugins();
            assertEquals(PluginState.STARTED, manager.getPlugin("greetings").getPluginState());
            assertEquals("org.pf4j.PluginClassLoader", System.getProperty(GreetingPlugin.STARTED));

            List<EventHandler> handlers = manager.getExtensions(EventHandler.class, "greetings");
            assertEquals(1, handlers.size());
            EventHandler handler = handlers.get(0);
            ClassLoader pluginLoader = manager.getPluginClassLoader("greetings");
            // Loaded from the JAR, not from test-classes: proves the copied bytes are complete.
            assertSame(pluginLoader, handler.getClass().getClassLoader());
            assertNotSame(GreetingHandler.class, handler.getClass());
            assertEquals("greeter", handler.spec().name());

            HandlerHarness harness = HandlerHarness.of(handler);
            assertEquals(
                    Outcome.Kind.SUCCESS,
                    harness.deliver(TestEvents.event("greeting.sent").stream("greetings")
                                    .data("Ada")
                                    .build())
                            .kind());
            assertEquals(
                    Outcome.Kind.RETRY,
                    harness.deliver(TestEvents.event("greeting.sent").stream("greetings")
                                    .build())
                            .kind());
        } finally {
            // Not stopPlugins(): PF4J 3.15.0 throws ConcurrentModificationException there (pf4j#656).
            manager.stopPlugin("greetings");
            manager.unloadPlugins();
            System.clearProperty(GreetingPlugin.STARTED);
        }
    }

    @Test
    void pf4jRefusesAPluginThatRequiresANewerApi() {
        new PluginJarBuilder("future")
                .requires(">=9.0.0")
                .extension(GreetingHandler.class)
                .build(dir);
        PluginManager manager = new JarPluginManager(dir);
        manager.setSystemVersion("0.1.0");
        try {
            manager.loadPlugins();
            manager.startPlugins();
            assertEquals(PluginState.DISABLED, manager.getPlugin("future").getPluginState());
        } finally {
            manager.unloadPlugins();
        }
    }

    private static String text(JarFile file, String name) throws IOException {
        return new String(file.getInputStream(file.getEntry(name)).readAllBytes(), StandardCharsets.UTF_8);
    }
}
