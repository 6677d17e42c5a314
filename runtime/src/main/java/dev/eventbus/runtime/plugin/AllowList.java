package dev.eventbus.runtime.plugin;

import dev.eventbus.runtime.config.PluginSettings;
import dev.eventbus.runtime.plugin.AdmissionException.Stage;
import java.util.List;
import org.pf4j.PluginDescriptor;

/**
 * {@code eventbus.plugin-host.allow-list}: when it has entries, only a JAR matching one (id,
 * version and the checksum of its content) is admitted; empty admits every JAR. Immutable.
 */
final class AllowList {

    private final List<PluginSettings.Allowed> entries;

    AllowList(List<PluginSettings.Allowed> entries) {
        this.entries = List.copyOf(entries);
    }

    /** @throws AdmissionException when the list has entries and none matches */
    void check(PluginDescriptor descriptor, String sha256) {
        if (entries.isEmpty()) {
            return;
        }
        String id = descriptor.getPluginId();
        String version = descriptor.getVersion();
        for (PluginSettings.Allowed entry : entries) {
            if (entry.matches(id, version, sha256)) {
                return;
            }
        }
        throw AdmissionException.refused(
                Stage.ALLOW_LIST,
                id,
                "not on eventbus.plugin-host.allow-list (id " + id + ", version " + version + ", sha256 " + sha256
                        + ")");
    }
}
