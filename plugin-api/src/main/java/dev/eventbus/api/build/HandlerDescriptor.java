package dev.eventbus.api.build;

import dev.eventbus.api.EventHandler;
import dev.eventbus.api.HandlerSpec;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The build descriptor of a plugin: its handlers' declarations (name, streams and event types,
 * services), written at build time into {@code META-INF/eventbus-handlers.json} of the JAR. The
 * operator CLI ({@code plugins list}, {@code topology} without a running runtime) reads it, so it
 * never has to load a plugin's classes, let alone run them, in the operator's shell.
 *
 * <p>The plugin parent runs {@link #main} after compiling, in the plugin's own build: there, and
 * only there, each handler is instantiated once to ask its {@link EventHandler#spec()}.
 *
 * <pre>{@code
 * {"format":1,"handlers":[{"class":"com.example.MarkOrderPaid","name":"mark-order-paid",
 *   "consumes":{"wallet":["wallet.topup.succeeded"]},"calls":["orders.v1.OrderService"]}]}
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 *
 * @since 0.1
 */
public final class HandlerDescriptor {

    /** Where the descriptor lives in a plugin JAR (and in its build's classes directory). */
    public static final String PATH = "META-INF/eventbus-handlers.json";

    /** The list of extension classes PF4J's annotation processor writes. */
    static final String EXTENSIONS_INDEX = "META-INF/extensions.idx";

    private HandlerDescriptor() {}

    /**
     * Writes the descriptor of the compiled classes in a directory: every extension class listed
     * in its {@code META-INF/extensions.idx} that is an {@link EventHandler}, loaded from the class
     * path of the caller (the plugin build puts the directory and the plugin's dependencies on it).
     *
     * @param args the classes directory, e.g. {@code target/classes}
     * @throws Exception when a handler cannot be loaded or built, or the file cannot be written:
     *     the build fails, naming the class
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: HandlerDescriptor <classes directory>");
        }
        Path classes = Path.of(args[0]);
        Path index = classes.resolve(EXTENSIONS_INDEX);
        List<Class<?>> handlers = new ArrayList<>();
        if (Files.exists(index)) {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            for (String line : Files.readAllLines(index, StandardCharsets.UTF_8)) {
                String name = line.strip();
                if (name.isEmpty() || name.startsWith("#")) {
                    continue;
                }
                Class<?> type = Class.forName(name, false, loader);
                if (EventHandler.class.isAssignableFrom(type)) {
                    handlers.add(type);
                }
            }
        }
        List<String> unindexed = unindexedHandlers(classes, handlers);
        if (!unindexed.isEmpty()) {
            throw new IllegalArgumentException("handler class " + String.join(", ", unindexed)
                    + " implements EventHandler but is not annotated @org.pf4j.Extension, so the runtime would"
                    + " never load it: annotate it (or make it abstract, if it is a base class)");
        }
        Path out = classes.resolve(PATH);
        Files.createDirectories(out.getParent());
        Files.writeString(out, of(handlers), StandardCharsets.UTF_8);
    }

    /**
     * The concrete {@link EventHandler} classes compiled into the directory that the extension
     * index does not list: packed into the JAR, they would silently never run. A class that cannot
     * be loaded here is left to the runtime's own admission.
     */
    private static List<String> unindexedHandlers(Path classes, List<Class<?>> indexed) throws IOException {
        if (!Files.isDirectory(classes)) {
            return List.of(); // nothing compiled (a module that packages no code of its own, the plugin parent)
        }
        Set<String> listed = new TreeSet<>();
        indexed.forEach(type -> listed.add(type.getName()));
        List<String> unindexed = new ArrayList<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(f -> f.getFileName().toString().endsWith(".class"))
                    .sorted()
                    .toList();
        }
        for (Path file : files) {
            String relative = classes.relativize(file).toString().replace(java.io.File.separatorChar, '/');
            String name =
                    relative.substring(0, relative.length() - ".class".length()).replace('/', '.');
            if (name.endsWith("module-info") || name.endsWith("package-info") || listed.contains(name)) {
                continue;
            }
            try {
                Class<?> type = Class.forName(name, false, loader);
                if (EventHandler.class.isAssignableFrom(type)
                        && !type.isInterface()
                        && !Modifier.isAbstract(type.getModifiers())
                        && !type.isAnonymousClass()
                        && !type.isLocalClass()) {
                    unindexed.add(name);
                }
            } catch (ClassNotFoundException | LinkageError e) {
                // Not loadable on the build's class path: the runtime's admission judges it.
            }
        }
        return unindexed;
    }

    /** An exception as a build log line should show it: its simple class name and message. */
    private static String brief(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /**
     * The descriptor of some handler classes: each is instantiated with its no-argument
     * constructor and asked for its {@link EventHandler#spec()}.
     *
     * @param handlers {@link EventHandler} classes
     * @return the descriptor's JSON text
     * @throws IllegalArgumentException naming a class that is no handler or cannot be built
     */
    public static String of(List<Class<?>> handlers) {
        StringBuilder json = new StringBuilder("{\"format\":1,\"handlers\":[");
        for (Iterator<Class<?>> it = handlers.iterator(); it.hasNext(); ) {
            Class<?> type = it.next();
            HandlerSpec spec;
            EventHandler handler;
            try {
                handler = (EventHandler) type.getDeclaredConstructor().newInstance();
            } catch (InvocationTargetException e) {
                throw new IllegalArgumentException(
                        "cannot describe handler " + type.getName() + ": its constructor threw " + brief(e.getCause()),
                        e.getCause());
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException("cannot describe handler " + type.getName() + ": " + e, e);
            }
            try {
                spec = handler.spec();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "cannot describe handler " + type.getName() + ": spec() threw " + brief(e), e);
            }
            json.append("{\"class\":")
                    .append(string(type.getName()))
                    .append(",\"name\":")
                    .append(string(spec.name()))
                    .append(",\"consumes\":{");
            // Sorted, so that a build writes the same bytes each time (the spec's own order is not kept).
            for (Iterator<Map.Entry<String, Set<String>>> s =
                            new TreeMap<>(spec.subscriptions()).entrySet().iterator();
                    s.hasNext(); ) {
                Map.Entry<String, Set<String>> e = s.next();
                json.append(string(e.getKey())).append(':').append(array(e.getValue()));
                json.append(s.hasNext() ? "," : "");
            }
            json.append("},\"calls\":")
                    .append(array(spec.services()))
                    .append('}')
                    .append(it.hasNext() ? "," : "");
        }
        return json.append("]}\n").toString();
    }

    private static String array(Set<String> values) {
        List<String> quoted = new ArrayList<>();
        new TreeSet<>(values).forEach(v -> quoted.add(string(v)));
        return "[" + String.join(",", quoted) + "]";
    }

    /** A JSON string literal. */
    static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
