package dev.eventbus.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds keys the operator wrote that the reference does not define. Typesafe Config's
 * {@code checkValid} reports missing and mistyped keys but accepts unknown ones, and a misspelt key
 * silently falling back to its default is the worst kind of configuration error.
 *
 * <p>Open maps (whose keys are names chosen by the operator, such as services) are skipped here;
 * their entries are checked against a template by the caller.
 */
final class UnknownKeys {

    private UnknownKeys() {}

    /**
     * @param user the operator's configuration (unmerged, unresolved is fine)
     * @param reference the defaults
     * @param root the subtree to check, e.g. {@code eventbus}
     * @param openMaps paths under root whose children are free-form names
     * @return one message per unknown key, naming the key and where it was written
     */
    static List<String> find(Config user, Config reference, String root, Set<String> openMaps) {
        List<String> problems = new ArrayList<>();
        if (!(user.root().get(root) instanceof com.typesafe.config.ConfigObject)) {
            return problems; // absent, or not a section at all: the type check reports that
        }
        for (Map.Entry<String, ConfigValue> entry : user.getConfig(root).entrySet()) {
            String path = root + "." + entry.getKey();
            if (underOpenMap(path, openMaps) || reference.hasPathOrNull(path)) {
                continue;
            }
            problems.add("unknown key '" + path + "' (" + where(entry.getValue()) + ")");
        }
        return problems;
    }

    /**
     * The keys of the operator's file outside {@code root}: the runtime reads nothing else, so
     * {@code redis.uri = ...} written at the top level (or under a misspelt {@code evenbus}) left the
     * default in force, 127.0.0.1:6379 among them, in silence (found from outside). One message per
     * value, naming the key under {@code root} it most likely meant when the reference defines one.
     * The environment and {@code -D} system properties are not checked: they hold many other names.
     *
     * @param file the operator's file as parsed, its includes merged in (unresolved is fine)
     */
    static List<String> outsideRoot(Config file, Config reference, String root, Set<String> openMaps) {
        List<Map.Entry<Integer, String>> found = new ArrayList<>();
        for (Map.Entry<String, ConfigValue> top : file.root().entrySet()) {
            if (top.getKey().equals(root)) {
                continue;
            }
            boolean nearMiss = nearMiss(top.getKey(), root);
            String first = join(top.getKey());
            List<String> paths = new ArrayList<>();
            List<ConfigValue> values = new ArrayList<>();
            leaves(top.getValue(), first, paths, values);
            for (int i = 0; i < paths.size(); i++) {
                String path = paths.get(i);
                // Under a near-miss the rest of the path is what was meant under the root.
                String rest = nearMiss ? path.substring(first.length()) : "." + path;
                String meant = rest.isEmpty() ? null : root + rest;
                boolean known = meant != null && (reference.hasPathOrNull(meant) || underOpenMap(meant, openMaps));
                String advice = nearMiss
                        ? "the settings' root is " + root + ", not " + top.getKey()
                        : "every setting goes under " + root + " { }";
                ConfigValue value = values.get(i);
                found.add(Map.entry(
                        value.origin() == null ? -1 : value.origin().lineNumber(),
                        "unknown key '" + path + "' (" + where(value) + "): " + advice
                                + (known ? ": did you mean " + meant + "?" : "")));
            }
        }
        found.sort(Map.Entry.comparingByKey());
        return found.stream().map(Map.Entry::getValue).toList();
    }

    /** The values under {@code value} with their paths; an empty section is one. */
    private static void leaves(ConfigValue value, String path, List<String> paths, List<ConfigValue> values) {
        if (value instanceof com.typesafe.config.ConfigObject object && !object.isEmpty()) {
            for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
                leaves(entry.getValue(), path + "." + join(entry.getKey()), paths, values);
            }
            return;
        }
        paths.add(path);
        values.add(value);
    }

    /** Whether {@code key} is {@code root} misspelt: another case, or one or two letters off. */
    static boolean nearMiss(String key, String root) {
        String a = key.toLowerCase(java.util.Locale.ROOT);
        String b = root.toLowerCase(java.util.Locale.ROOT);
        int[] previous = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] current = new int[b.length() + 1];
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            previous = current;
        }
        return previous[b.length()] <= 2;
    }

    private static boolean underOpenMap(String path, Set<String> openMaps) {
        for (String open : openMaps) {
            if (path.startsWith(open + ".")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where a value was set: its origin as Typesafe Config describes it, but a default's as {@code
     * reference.conf: <line>}, not with the URL of the JAR inside the installation it was read from.
     */
    static String where(ConfigValue value) {
        ConfigOrigin origin = value.origin();
        if (origin == null) {
            return "unknown origin";
        }
        if ("reference.conf".equals(origin.resource()) && origin.lineNumber() > 0) {
            return "reference.conf: " + origin.lineNumber();
        }
        return origin.description();
    }

    /** The first path element of each child of an open map, e.g. each service name. */
    static Set<String> children(Config config, String path) {
        return config.hasPath(path) ? config.getObject(path).keySet() : Set.of();
    }

    static String join(String... elements) {
        return ConfigUtil.joinPath(elements);
    }
}
