package dev.eventbus.runtime.plugin;

import java.util.List;

/**
 * The libraries the runtime shares with every plugin: loaded once, by the runtime, parent-first.
 * A type that crosses the plugin boundary must have exactly one class, or a plugin would fail
 * with a ClassCastException at its first event; so a plugin JAR that bundles one of these is
 * refused at admission.
 */
public final class SharedLibraries {

    /** Package prefixes (binary names) loaded from the runtime for every plugin. */
    public static final List<String> PACKAGES = List.of(
            "dev.eventbus.api.", "org.pf4j.", "io.grpc.", "com.google.protobuf.", "org.slf4j.", "com.typesafe.config.");

    private SharedLibraries() {}

    /** Whether a class (binary name) belongs to a shared library. */
    public static boolean isShared(String className) {
        for (String prefix : PACKAGES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a JAR entry is a class file of a shared library. */
    public static boolean isSharedClassEntry(String entryName) {
        return entryName.endsWith(".class") && isShared(entryName.replace('/', '.'));
    }
}
