package dev.eventbus.runtime.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The includer of the operator's file: an {@code include "secrets.conf"} of a file that is not there is
 * skipped in silence by HOCON (an optional include is a legitimate pattern, so not an error), so it is told
 * here as a warning naming the file and line of the include; an {@code include required(...)} of one
 * names them in its error, which Typesafe Config's did not ({@code nope.conf: java.io.FileNotFoundException:
 * include was not found: 'nope.conf'}). Found from outside: a missing secrets include went unnoticed.
 *
 * <p>Handles the plain form {@code include "name"} (and {@code required("name")}); {@code file(...)},
 * {@code classpath(...)} and {@code url(...)} go to Typesafe's own includer, as before. One per parse.
 */
final class CheckedIncludes implements ConfigIncluder {

    /** Typesafe Config's own includer, which this one asks first with the file required. */
    private final ConfigIncluder fallback;
    /** The file being parsed, innermost first: the one that holds the include at hand. */
    private final Deque<Path> including;

    private final List<String> missing;

    /**
     * @param file the operator's file
     * @param missing where each skipped include is told, e.g. {@code include "secrets.conf"
     *     (conf/application.conf: 3) was skipped: conf/secrets.conf does not exist}
     */
    CheckedIncludes(Path file, List<String> missing) {
        this(null, new ArrayDeque<>(List.of(file)), missing);
    }

    private CheckedIncludes(ConfigIncluder fallback, Deque<Path> including, List<String> missing) {
        this.fallback = fallback;
        this.including = including;
        this.missing = missing;
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this.fallback == null ? new CheckedIncludes(fallback, including, missing) : this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        Path from = including.peek();
        Path target = from.resolveSibling(what);
        boolean required = !context.parseOptions().getAllowMissing();
        including.push(target);
        try {
            return fallback.include(
                    context.setParseOptions(context.parseOptions().setAllowMissing(false)), what);
        } catch (ConfigException.IO e) {
            if (Files.exists(target)) {
                throw e; // there but unreadable: Typesafe's reason
            }
            String include = (required ? "include required(\"" + what + "\")" : "include \"" + what + "\"") + " ("
                    + from + line(from, what) + ")";
            if (required) {
                throw new Missing(include + ": " + target + " does not exist (nor " + what + " on the class path)");
            }
            missing.add(include + " was skipped: " + target + " does not exist (nor " + what
                    + " on the class path); write include required(\"" + what + "\") to make it an error");
            return fallback.include(context, what);
        } finally {
            including.pop();
        }
    }

    /** {@code ": <line>"} of the first line of {@code file} that includes {@code what}, or nothing. */
    private static String line(Path file, String what) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String text = lines.get(i);
                if (text.contains("include") && text.contains("\"" + what + "\"")) {
                    return ": " + (i + 1);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the file is named without its line
        }
        return "";
    }

    /** A required include of a file that is not there. */
    static final class Missing extends ConfigException {
        private static final long serialVersionUID = 1L;

        Missing(String message) {
            super(message);
        }
    }
}
