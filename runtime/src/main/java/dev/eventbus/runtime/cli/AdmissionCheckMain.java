package dev.eventbus.runtime.cli;

import dev.eventbus.runtime.Versions;
import dev.eventbus.runtime.plugin.AdmissionCheck;
import dev.eventbus.runtime.plugin.PluginFailure;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The entry point of the plugin build's admission check ({@code eventbus-plugin-parent} runs it at
 * {@code verify} with {@code exec:java}): {@link AdmissionCheck} on each JAR, with this runtime's
 * plugin-api version. A refusal throws, so the build fails with the runtime's reason. Stateless.
 */
public final class AdmissionCheckMain {

    private AdmissionCheckMain() {}

    /**
     * @param args the plugin JARs to check
     * @throws IllegalStateException naming every refusal as the runtime records it
     */
    public static void main(String[] args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: AdmissionCheckMain <plugin JAR>...");
        }
        List<String> refused = new ArrayList<>();
        for (String arg : args) {
            Path jar = Path.of(arg);
            List<PluginFailure> failures = AdmissionCheck.check(jar, Versions.pluginApi());
            if (failures.isEmpty()) {
                System.out.println("eventbus admission check: " + jar.getFileName() + " is admitted");
            }
            failures.forEach(f -> refused.add(f.toString()));
        }
        if (!refused.isEmpty()) {
            throw new IllegalStateException("the runtime would refuse it: " + String.join("; ", refused));
        }
    }
}
