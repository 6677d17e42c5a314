package dev.eventbus.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Builds a real PF4J plugin JAR: a manifest descriptor ({@code Plugin-Id}, {@code Plugin-Version},
 * {@code Plugin-Requires}, ...), compiled classes copied from the test's class path, and
 * {@code META-INF/extensions.idx} listing the extensions.
 *
 * <pre>{@code
 * Path jar = new PluginJarBuilder("payments")
 *     .extension(MarkOrderPaid.class)
 *     .resource("reference.conf", "eventbus.plugins.payments { retries = 3 }")
 *     .build(tempDir);
 * }</pre>
 *
 * <p>A class is copied with its nested, inner and anonymous classes ({@code Outer$*.class}) but
 * not with its outer class or anything else it uses: add those with {@link #addClass}. Classes that
 * are also on the test's class path may be loaded from there instead, depending on the plugin
 * class loader's strategy.
 *
 * <p>Mutable and not thread-safe: build in one thread. {@link #build} may be called repeatedly.
 */
public final class PluginJarBuilder {

    private final String id;
    private String version = "1.0.0";
    private String requires = ">=0.1.0";
    private String description = "Built by the Eventbus testkit";
    private String provider = "eventbus-testkit";
    private String pluginClass;
    private boolean descriptor = true;
    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private final Set<String> extensions = new LinkedHashSet<>();

    /**
     * @param id the {@code Plugin-Id}
     */
    public PluginJarBuilder(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("plugin id must not be blank");
        }
        this.id = id;
    }

    /** @param version the {@code Plugin-Version}; default {@code 1.0.0} */
    public PluginJarBuilder version(String version) {
        this.version = Objects.requireNonNull(version, "version");
        return this;
    }

    /** @param requires the {@code Plugin-Requires} constraint; default {@code >=0.1.0} */
    public PluginJarBuilder requires(String requires) {
        this.requires = Objects.requireNonNull(requires, "requires");
        return this;
    }

    /** @param description the {@code Plugin-Description} */
    public PluginJarBuilder description(String description) {
        this.description = Objects.requireNonNull(description, "description");
        return this;
    }

    /** @param provider the {@code Plugin-Provider}; default {@code eventbus-testkit} */
    public PluginJarBuilder provider(String provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
        return this;
    }

    /**
     * Adds a {@code org.pf4j.Plugin} subclass and names it in {@code Plugin-Class}.
     *
     * @param pluginClass the plugin's lifecycle class
     */
    public PluginJarBuilder pluginClass(Class<?> pluginClass) {
        addClass(pluginClass);
        this.pluginClass = pluginClass.getName();
        return this;
    }

    /**
     * Adds a class and its nested classes, and lists it in {@code META-INF/extensions.idx}.
     *
     * @param extension an {@code @Extension} class, typically an {@code EventHandler}
     */
    public PluginJarBuilder extension(Class<?> extension) {
        addClass(extension);
        extensions.add(extension.getName());
        return this;
    }

    /**
     * Adds a class and its nested classes, without listing it as an extension.
     *
     * @param clazz a class on the caller's class path
     * @throws IllegalArgumentException when its bytes cannot be found
     */
    public PluginJarBuilder addClass(Class<?> clazz) {
        String entry = clazz.getName().replace('.', '/') + ".class";
        entries.put(entry, classBytes(clazz, entry));
        entries.putAll(nestedClasses(clazz));
        return this;
    }

    /**
     * Adds a file.
     *
     * @param path the entry name, for example {@code reference.conf}
     * @param content the bytes
     */
    public PluginJarBuilder resource(String path, byte[] content) {
        entries.put(Objects.requireNonNull(path, "path"), content.clone());
        return this;
    }

    /**
     * Adds a text file, encoded as UTF-8.
     *
     * @param path the entry name, for example {@code reference.conf}
     * @param content the text
     */
    public PluginJarBuilder resource(String path, String content) {
        return resource(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Leaves out every {@code Plugin-*} manifest entry, to test a JAR that is no plugin. */
    public PluginJarBuilder withoutDescriptor() {
        this.descriptor = false;
        return this;
    }

    /**
     * Writes {@code <id>-<version>.jar} into a directory, replacing any file of that name.
     *
     * @param dir the directory, created if missing
     * @return the JAR's path
     */
    public Path build(Path dir) {
        try {
            Files.createDirectories(dir);
            Path jar = dir.resolve(id + "-" + version + ".jar");
            try (OutputStream file = Files.newOutputStream(jar);
                    JarOutputStream out = new JarOutputStream(file, manifest())) {
                for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                    put(out, e.getKey(), e.getValue());
                }
                if (!extensions.isEmpty()) {
                    put(
                            out,
                            "META-INF/extensions.idx",
                            (String.join("\n", extensions) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plugin " + id + " into " + dir, e);
        }
    }

    /**
     * Writes the first half of a file's bytes: a corrupt JAR.
     *
     * @param jar the source
     * @param out the file to write
     * @return {@code out}
     */
    public static Path truncate(Path jar, Path out) {
        try {
            byte[] bytes = Files.readAllBytes(jar);
            return Files.write(out, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot truncate " + jar, e);
        }
    }

    private Manifest manifest() {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (descriptor) {
            main.putValue("Plugin-Id", id);
            main.putValue("Plugin-Version", version);
            main.putValue("Plugin-Requires", requires);
            main.putValue("Plugin-Description", description);
            main.putValue("Plugin-Provider", provider);
            if (pluginClass != null) {
                main.putValue("Plugin-Class", pluginClass);
            }
        }
        return manifest;
    }

    private static void put(JarOutputStream out, String name, byte[] bytes) throws IOException {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }

    private static byte[] classBytes(Class<?> clazz, String entry) {
        String simpleBinaryName = entry.substring(entry.lastIndexOf('/') + 1);
        try (InputStream in = clazz.getResourceAsStream(simpleBinaryName)) {
            if (in == null) {
                throw new IllegalArgumentException("no class file " + entry + " visible to " + clazz.getClassLoader()
                        + "; PluginJarBuilder copies compiled classes, not generated or hidden ones");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + entry, e);
        }
    }

    /** Nested classes are not reachable by reflection alone (anonymous ones): list what was compiled. */
    private static Map<String, byte[]> nestedClasses(Class<?> clazz) {
        String prefix = clazz.getName().replace('.', '/') + "$";
        Path location = codeSource(clazz);
        Map<String, byte[]> found = new LinkedHashMap<>();
        if (location == null) {
            return found;
        }
        try {
            if (Files.isDirectory(location)) {
                Path dir = location.resolve(prefix).getParent();
                String filePrefix = prefix.substring(prefix.lastIndexOf('/') + 1);
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path file : files.sorted().toList()) {
                        String name = file.getFileName().toString();
                        if (name.startsWith(filePrefix) && name.endsWith(".class")) {
                            found.put(
                                    location.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
                        }
                    }
                }
            } else if (Files.isRegularFile(location)) {
                try (JarFile jar = new JarFile(location.toFile())) {
                    List<JarEntry> matches = new ArrayList<>();
                    for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                        JarEntry entry = e.nextElement();
                        if (entry.getName().startsWith(prefix)
                                && entry.getName().endsWith(".class")) {
                            matches.add(entry);
                        }
                    }
                    for (JarEntry entry : matches) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            found.put(entry.getName(), in.readAllBytes());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the nested classes of " + clazz.getName(), e);
        }
        return found;
    }

    private static Path codeSource(Class<?> clazz) {
        CodeSource source = clazz.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
    }
}
