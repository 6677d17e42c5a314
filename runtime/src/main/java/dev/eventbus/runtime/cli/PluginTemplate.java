package dev.eventbus.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The plugin project template of {@code eventbus-plugin-archetype}, read from the class path and
 * rendered without Maven: the same descriptor ({@value #DESCRIPTOR}) and files
 * ({@value #RESOURCES}/) that {@code mvn archetype:generate} uses, so both make the same project.
 *
 * <p>Implements the part of the archetype format the template uses: fileSets with a directory,
 * includes that are {@code **} or a file name, {@code filtered} (each {@code ${property}} of the
 * given properties replaced, any other {@code ${...}} left as it is, as Velocity does) and
 * {@code packaged} (the file goes below the package's directories); {@code __property__} in paths;
 * the root {@code pom.xml} always filtered. A template file no fileSet covers is an error rather
 * than silently left out.
 *
 * <p>Immutable and thread-safe.
 */
final class PluginTemplate {

    static final String DESCRIPTOR = "META-INF/maven/archetype-metadata.xml";
    static final String RESOURCES = "archetype-resources";

    private record FileSet(String directory, List<String> includes, boolean filtered, boolean packaged) {}

    /** The template's pom.xml: its directory is the template. */
    private final URL pom;

    private final Map<String, String> defaults;
    private final List<FileSet> fileSets;

    private PluginTemplate(URL pom, Map<String, String> defaults, List<FileSet> fileSets) {
        this.pom = pom;
        this.defaults = defaults;
        this.fileSets = fileSets;
    }

    /**
     * @param loader where the archetype JAR (or its classes directory) is
     * @throws IllegalStateException when the template is missing or its descriptor unreadable
     */
    static PluginTemplate fromClassPath(ClassLoader loader) {
        URL descriptor = loader.getResource(DESCRIPTOR);
        URL pom = loader.getResource(RESOURCES + "/pom.xml");
        if (descriptor == null || pom == null) {
            throw new IllegalStateException("the plugin template (eventbus-plugin-archetype) is not on the class path");
        }
        try (InputStream in = descriptor.openStream()) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Element doc = factory.newDocumentBuilder().parse(in).getDocumentElement();
            Map<String, String> defaults = new LinkedHashMap<>();
            NodeList properties = doc.getElementsByTagName("requiredProperty");
            for (int i = 0; i < properties.getLength(); i++) {
                Element property = (Element) properties.item(i);
                defaults.put(property.getAttribute("key"), text(property, "defaultValue"));
            }
            List<FileSet> fileSets = new ArrayList<>();
            NodeList sets = doc.getElementsByTagName("fileSet");
            for (int i = 0; i < sets.getLength(); i++) {
                Element set = (Element) sets.item(i);
                List<String> includes = new ArrayList<>();
                NodeList names = set.getElementsByTagName("include");
                for (int j = 0; j < names.getLength(); j++) {
                    includes.add(names.item(j).getTextContent().strip());
                }
                fileSets.add(new FileSet(
                        text(set, "directory"),
                        List.copyOf(includes),
                        Boolean.parseBoolean(set.getAttribute("filtered")),
                        Boolean.parseBoolean(set.getAttribute("packaged"))));
            }
            return new PluginTemplate(pom, Collections.unmodifiableMap(defaults), List.copyOf(fileSets));
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the plugin template's " + DESCRIPTOR + ": " + e, e);
        }
    }

    /** @return the descriptor's required properties and their defaults (which may refer to other properties) */
    Map<String, String> defaults() {
        return defaults;
    }

    /**
     * Writes the project into {@code target} (created if missing).
     *
     * @param properties groupId, artifactId, version, package and every required property
     * @return the files written, relative to {@code target}, in order
     * @throws IllegalArgumentException when a property is missing
     * @throws UncheckedIOException when the template cannot be read or a file cannot be written
     */
    List<String> render(Map<String, String> properties, Path target) {
        Set<String> needed = new LinkedHashSet<>(List.of("groupId", "artifactId", "version", "package"));
        needed.addAll(defaults.keySet());
        needed.removeAll(properties.keySet());
        if (!needed.isEmpty()) {
            throw new IllegalArgumentException("missing template properties: " + needed);
        }
        Map<String, String> values = new LinkedHashMap<>(properties);
        values.put("packageInPathFormat", properties.get("package").replace('.', '/'));
        try (Source source = Source.open(pom)) {
            List<String> written = new ArrayList<>();
            Set<String> covered = new LinkedHashSet<>();
            covered.add("pom.xml");
            written.add(write(source.root.resolve("pom.xml"), "pom.xml", true, values, target));
            for (FileSet set : fileSets) {
                Path dir = set.directory().isEmpty() ? source.root : source.root.resolve(set.directory());
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                for (Path file : files(dir)) {
                    String relative = dir.relativize(file).toString().replace('\\', '/');
                    if (!set.includes().contains("**") && !set.includes().contains(relative)) {
                        continue;
                    }
                    String templatePath =
                            source.root.relativize(file).toString().replace('\\', '/');
                    if (!covered.add(templatePath)) {
                        continue; // an earlier fileSet took it, as in the archetype plugin
                    }
                    String out = (set.directory().isEmpty() ? "" : set.directory() + "/")
                            + (set.packaged() ? values.get("packageInPathFormat") + "/" : "")
                            + relative;
                    written.add(write(file, substitutePath(out, values), set.filtered(), values, target));
                }
            }
            List<String> uncovered = new ArrayList<>();
            for (Path file : files(source.root)) {
                String templatePath = source.root.relativize(file).toString().replace('\\', '/');
                if (!covered.contains(templatePath)) {
                    uncovered.add(templatePath);
                }
            }
            if (!uncovered.isEmpty()) {
                throw new IllegalStateException("template files no fileSet of " + DESCRIPTOR + " covers: " + uncovered);
            }
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces each {@code ${name}} of a known property; anything else (Maven's own expressions) stays. */
    static String substitute(String text, Map<String, String> values) {
        String result = text;
        for (var entry : values.entrySet()) {
            result = result.replace("${" + entry.getKey() + "}", entry.getValue());
        }
        return result;
    }

    private static String substitutePath(String path, Map<String, String> values) {
        String result = path;
        for (var entry : values.entrySet()) {
            result = result.replace("__" + entry.getKey() + "__", entry.getValue());
        }
        return result;
    }

    private static String write(Path from, String relative, boolean filtered, Map<String, String> values, Path target)
            throws IOException {
        Path to = target.resolve(relative);
        Files.createDirectories(to.getParent());
        byte[] bytes = Files.readAllBytes(from);
        if (filtered) {
            bytes = substitute(new String(bytes, StandardCharsets.UTF_8), values)
                    .getBytes(StandardCharsets.UTF_8);
        }
        Files.write(to, bytes);
        // Scripts (the Maven wrapper): a JAR keeps no file modes, so "#!" is what says executable.
        if (bytes.length > 1 && bytes[0] == '#' && bytes[1] == '!') {
            to.toFile().setExecutable(true, false);
        }
        return relative;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().strip();
    }

    /** The template directory as a path: inside the archetype JAR, or a classes directory. */
    private record Source(Path root, FileSystem jar) implements AutoCloseable {

        static Source open(URL pom) throws IOException {
            try {
                URI uri = pom.toURI();
                if ("jar".equals(uri.getScheme())) {
                    String spec = uri.toString();
                    int separator = spec.indexOf("!/");
                    FileSystem jar = FileSystems.newFileSystem(URI.create(spec.substring(0, separator)), Map.of());
                    return new Source(jar.getPath(spec.substring(separator + 1)).getParent(), jar);
                }
                return new Source(Path.of(uri).getParent(), null);
            } catch (URISyntaxException e) {
                throw new IOException("unusable template location " + pom, e);
            }
        }

        @Override
        public void close() throws IOException {
            if (jar != null) {
                jar.close();
            }
        }
    }
}
