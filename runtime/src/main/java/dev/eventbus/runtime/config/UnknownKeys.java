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
