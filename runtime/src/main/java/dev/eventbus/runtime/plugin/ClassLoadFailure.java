package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reason a plugin's class could not be loaded or linked, as an author can act on it. A class
 * compiled for a newer Java than the runtime's is named with both Java versions and the fix, not
 * with the JVM's class file numbers alone. Stateless.
 */
final class ClassLoadFailure {

    private static final Pattern NEWER_CLASS =
            Pattern.compile("^(\\S+) has been compiled by .*\\(class file version (\\d+)(?:\\.\\d+)?\\)");

    private ClassLoadFailure() {}

    /** What to say of a failure to load or link a plugin's class: its root cause, or the Java versions. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof UnsupportedClassVersionError && t.getMessage() != null) {
                Matcher m = NEWER_CLASS.matcher(t.getMessage());
                if (m.find()) {
                    int major = Integer.parseInt(m.group(2));
                    int needs = major - 44;
                    return m.group(1).replace('/', '.') + " is compiled for Java " + needs + " (class file version "
                            + major + "), but this runtime runs on Java "
                            + Runtime.version().feature()
                            + ": build the plugin with maven.compiler.release 21 (the plugin parent's setting) or run"
                            + " Eventbus on Java " + needs + " or newer";
                }
            }
        }
        return rootMessage(e);
    }
}
