package dev.eventbus.runtime.plugin;

import static dev.eventbus.runtime.internal.Errors.rootMessage;

import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.io.IOException;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.pf4j.PluginDescriptor;

/**
 * Checks a staged JAR before PF4J loads any class from it: it can be read, it has a valid
 * descriptor (as PF4J reads it), it bundles no copy of a shared library, and the allow-list admits
 * it. The same checks run before a reload stops the running version, so a JAR failing them never
 * interrupts it.
 *
 * <p>Not thread-safe (it asks the PF4J manager): used under the plugin host's lock.
 */
final class JarInspector {

    private final EventbusPluginManager manager;
    private final AllowList allowList;

    JarInspector(EventbusPluginManager manager, AllowList allowList) {
        this.manager = manager;
        this.allowList = allowList;
    }

    /**
     * @return the descriptor PF4J will load the JAR with
     * @throws AdmissionException when the JAR may not be loaded
     */
    PluginDescriptor inspect(StagedJar staged) {
        String bundled = bundledSharedClass(staged);
        PluginDescriptor descriptor = manager.describe(staged.path());
        if (bundled != null) {
            throw AdmissionException.refused(
                    Stage.CONTENTS,
                    descriptor.getPluginId(),
                    "bundles a copy of a library the "
                            + "runtime shares (" + bundled
                            + "); declare plugin-api, gRPC, protobuf, SLF4J and Typesafe Config "
                            + "with provided scope");
        }
        allowList.check(descriptor, staged.sha256());
        return descriptor;
    }

    /** Reads every entry (so a corrupt or truncated JAR fails here); the first shared class found, or null. */
    private static String bundledSharedClass(StagedJar staged) {
        try (JarFile file = new JarFile(staged.path().toFile(), true)) {
            String found = null;
            Enumeration<JarEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (found == null && SharedLibraries.isSharedClassEntry(name)) {
                    found = name;
                }
            }
            return found;
        } catch (IOException | SecurityException e) {
            throw new AdmissionException(
                    Stage.READ, null, null, "not a readable JAR (corrupt or truncated?): " + rootMessage(e), e);
        }
    }
}
